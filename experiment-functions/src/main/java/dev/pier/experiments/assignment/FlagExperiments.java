package dev.pier.experiments.assignment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.experiments.Arm;
import dev.pier.experiments.Experiment;
import dev.pier.experiments.ExperimentState;
import dev.pier.experiments.Holdout;
import dev.pier.experiments.flags.Condition;
import dev.pier.experiments.flags.Evaluation;
import dev.pier.experiments.flags.Flag;
import dev.pier.experiments.flags.FlagEvaluator;
import dev.pier.experiments.flags.FlagParser;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The running experiments over flags' variants, as a flag evaluation needs them: the server's flags service (through
 * {@link ExperimentAssigner#assignFlag}) and the OpenFeature provider, which reads the same snapshot as JSON from the
 * flags listing ({@link #toJson}, {@link #fromJson}) so both place a unit alike. Placement is the model experiments':
 * experiments on one flag in several layers split its units by the hash under {@code "layers:flag/<key>"}, then the
 * experiment's targeting, then the global holdout (model holdouts concern models), then the arm by the experiment's
 * seed. Immutable.
 */
public final class FlagExperiments {

  public static final FlagExperiments NONE = new FlagExperiments(List.of(), List.of());

  /** One running experiment on a flag: arms with the variant each serves, in order (the first is control). */
  public record Running(String id, String flag, String layer, String seed, List<String> arms, List<String> variants,
                        List<Double> weights, List<Condition> targeting) {}

  /** A holdout as evaluators need it. */
  public record Hold(String seed, double share) {}

  private record Route(Running experiment, Allocation allocation) {}

  private final List<Running> experiments;
  private final List<Hold> holdouts;
  private final Map<String, Route[]> byFlag = new HashMap<>();

  public FlagExperiments(List<Running> experiments, List<Hold> holdouts) {
    this.experiments = List.copyOf(experiments);
    this.holdouts = List.copyOf(holdouts);
    Map<String, List<Running>> grouped = new HashMap<>();
    for (Running r : this.experiments) grouped.computeIfAbsent(r.flag(), k -> new ArrayList<>()).add(r);
    grouped.forEach((flag, list) -> {
      list.sort(Comparator.comparing(Running::layer));
      byFlag.put(flag, list.stream().map(r -> new Route(r, new Allocation(r.seed(), r.arms(), r.weights())))
          .toArray(Route[]::new));
    });
  }

  /** The running flag experiments among {@code all}, with the global holdout among {@code holdouts}. */
  public static FlagExperiments of(List<Experiment> all, List<Holdout> holdouts) {
    List<Running> running = new ArrayList<>();
    for (Experiment e : all) {
      var d = e.definition();
      if (e.state() != ExperimentState.RUNNING || !d.onFlag()) continue;
      running.add(new Running(e.id(), d.flag(), d.layer(), e.seed(), d.arms().stream().map(Arm::name).toList(),
          d.arms().stream().map(Arm::variant).toList(), d.arms().stream().map(Arm::weight).toList(), d.targeting()));
    }
    if (running.isEmpty()) return NONE;
    return new FlagExperiments(running, holdouts.stream().filter(h -> h.model() == null)
        .map(h -> new Hold(h.seed(), h.share())).toList());
  }

  public boolean isEmpty() {
    return experiments.isEmpty();
  }

  public List<Running> experiments() {
    return experiments;
  }

  /**
   * The unit's arm in the experiment running on {@code flag}, or null: no experiment on it, no unit, the flag is
   * disabled, the unit's attributes miss the experiment's targeting, or the flag no longer has the arm's variant.
   */
  public FlagAssignment arm(Flag flag, String unit, Map<String, JsonNode> attributes) {
    if (unit == null || unit.isEmpty() || !flag.enabled()) return null;
    Route[] rs = byFlag.get(flag.key());
    if (rs == null) return null;
    Route r = rs.length == 1 ? rs[0]
        : rs[(int) (UnitHash.position("layers:flag/" + flag.key(), unit) * rs.length)];
    Running e = r.experiment();
    if (!e.targeting().isEmpty() && !FlagEvaluator.matches(e.targeting(), unit, attributes)) return null;
    for (Hold h : holdouts) {
      if (UnitHash.position(h.seed(), unit) < h.share()) return new FlagAssignment(e.id(), Holdout.ARM, null);
    }
    int i = r.allocation().index(unit);
    String variant = e.variants().get(i);
    if (!flag.variants().containsKey(variant)) return null; // the variant was removed from the flag meanwhile
    return new FlagAssignment(e.id(), e.arms().get(i), variant);
  }

  /**
   * The answer for a unit {@code assignment} placed (null: the flag's own {@code answer}): its arm's variant with
   * reason {@code SPLIT}; a held-out unit keeps the flag's own answer. Either way it names the experiment and arm.
   */
  public static Evaluation served(Flag flag, FlagAssignment assignment, Evaluation answer) {
    if (assignment == null) return answer;
    if (assignment.heldOut()) {
      return new Evaluation(answer.key(), answer.value(), answer.variant(), answer.reason(), assignment.header());
    }
    return new Evaluation(flag.key(), flag.variants().get(assignment.variant()), assignment.variant(), "SPLIT",
        assignment.header());
  }

  /** {@code {"experiments": [{id, flag, layer, seed, arms: [{name, variant, weight}], targeting}], "holdouts": [...]}}. */
  public ObjectNode toJson() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode o = f.objectNode();
    ArrayNode list = o.putArray("experiments");
    for (Running r : experiments) {
      ObjectNode e = list.addObject().put("id", r.id()).put("flag", r.flag()).put("layer", r.layer())
          .put("seed", r.seed());
      ArrayNode arms = e.putArray("arms");
      for (int i = 0; i < r.arms().size(); i++) {
        arms.addObject().put("name", r.arms().get(i)).put("variant", r.variants().get(i))
            .put("weight", r.weights().get(i));
      }
      ArrayNode conditions = e.putObject("targeting").putArray("conditions");
      for (Condition c : r.targeting()) {
        ArrayNode values = conditions.addObject().put("attribute", c.attribute())
            .put("operator", c.operator().name().toLowerCase(Locale.ROOT)).putArray("values");
        c.values().forEach(values::add);
      }
    }
    ArrayNode holds = o.putArray("holdouts");
    for (Hold h : holdouts) holds.addObject().put("seed", h.seed()).put("share", h.share());
    return o;
  }

  /** Reads what {@link #toJson} wrote (an absent or null node: none). */
  public static FlagExperiments fromJson(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) return NONE;
    List<Running> running = new ArrayList<>();
    for (JsonNode e : node.path("experiments")) {
      List<String> arms = new ArrayList<>(), variants = new ArrayList<>();
      List<Double> weights = new ArrayList<>();
      for (JsonNode a : e.path("arms")) {
        arms.add(a.path("name").asText());
        variants.add(a.path("variant").asText());
        weights.add(a.path("weight").asDouble());
      }
      List<String> problems = new ArrayList<>();
      JsonNode conditions = e.path("targeting").path("conditions");
      List<Condition> targeting = conditions.isArray() && !conditions.isEmpty()
          ? FlagParser.conditions(conditions, "targeting.conditions", problems) : List.of();
      if (!problems.isEmpty()) throw new IllegalArgumentException("unreadable flag experiment: " + problems);
      running.add(new Running(e.path("id").asText(), e.path("flag").asText(), e.path("layer").asText("default"),
          e.path("seed").asText(), arms, variants, weights, targeting));
    }
    List<Hold> holds = new ArrayList<>();
    for (JsonNode h : node.path("holdouts")) holds.add(new Hold(h.path("seed").asText(), h.path("share").asDouble()));
    return running.isEmpty() ? NONE : new FlagExperiments(running, holds);
  }
}
