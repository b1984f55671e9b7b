package dev.pier.experiments.assignment;

import dev.pier.experiments.Arm;
import dev.pier.experiments.Experiment;
import dev.pier.experiments.ExperimentState;
import dev.pier.experiments.Holdout;
import dev.pier.experiments.flags.Condition;
import dev.pier.experiments.flags.FlagEvaluator;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the prediction pipeline's resolve stage asks: is this request's unit in an experiment on this model alias, and
 * in which arm? Answers from an in-memory snapshot of the running experiments that {@link #refresh()} replaces (on a
 * schedule, never per request), so {@link #assign} does no I/O: two map lookups, the unit hash and a scan of the
 * weights, then the exposure buffer's check that the unit was already logged. {@code AssignmentBenchmark.resolve}
 * measured 224-399 ns per call on the shared 2-core build machine at load average 15-19 (500-990 ns before the
 * lookups stopped building a key string per request), inside the 1 µs budget.
 *
 * <p>Only running experiments whose arms all name model versions take part in {@link #assign} (paused ones serve the
 * alias as it is, and log nothing); running experiments over a flag's variants are kept apart for
 * {@link #assignFlag}, which the flags service asks when it evaluates that flag. A request without a unit is not assigned (it gets the alias, i.e. control's usual target) and logs no
 * exposure. When experiments in several layers run on one alias, the alias's units are split evenly among the layers
 * by the unit hash under the seed {@code "layers:<model>/<alias>"} (layers in name order), so each unit is in at most
 * one of them; starting or stopping a layer re-splits units between layers, so prefer one layer per alias.
 *
 * <p>Holdouts (the global one, then the model's) are checked after the layer is chosen and before the arm: a unit
 * whose position under a holdout's seed is below its share is kept out of the experiment (one more hash per holdout).
 *
 * <p>Thread-safe: the snapshot is an immutable map swapped atomically.
 */
public final class ExperimentAssigner {

  private final Supplier<List<Experiment>> source;
  private final Supplier<List<Holdout>> holdouts;
  private final ExposureBuffer exposures;
  private final ArmMetrics armMetrics = new ArmMetrics();
  // model → alias → routes: two lookups on the request's own strings, no key built per request
  private volatile Map<String, Map<String, Route[]>> routes = Map.of();
  private volatile FlagExperiments flagExperiments = FlagExperiments.NONE;

  /**
   * An experiment ready to assign: its allocation and each arm's version, and the holdouts over its model (the global
   * one and the model's: seeds and shares, checked in that order).
   */
  private record Route(String experiment, Allocation allocation, String[] arms, int[] versions, String[] holdoutSeeds,
                       double[] holdoutShares, List<Condition> targeting) {}

  public ExperimentAssigner(Supplier<List<Experiment>> source, ExposureBuffer exposures) {
    this(source, List::of, exposures);
  }

  /** @param holdouts the holdouts to keep units out with, read at each {@link #refresh()} */
  public ExperimentAssigner(Supplier<List<Experiment>> source, Supplier<List<Holdout>> holdouts,
      ExposureBuffer exposures) {
    this.source = source;
    this.holdouts = holdouts;
    this.exposures = exposures;
  }

  /** Where the prediction pipeline reports the latency and errors of the predictions this assigner routed. */
  public ArmMetrics armMetrics() {
    return armMetrics;
  }

  /** Reloads the running experiments (call on a schedule, e.g. every few seconds, and after a state change). */
  public void refresh() {
    Map<String, List<Experiment>> byAlias = new HashMap<>();
    List<Experiment> all = source.get();
    boolean onFlags = false;
    java.util.Set<String> feedback = new java.util.HashSet<>();
    for (Experiment e : all) {
      if (e.state() != ExperimentState.RUNNING) continue;
      if (e.definition().metrics().stream().anyMatch(dev.pier.experiments.Metric::fromFeedback)) feedback.add(e.id());
      onFlags |= e.definition().onFlag();
      if (e.definition().arms().stream().anyMatch(a -> a.version() == null)) continue;
      byAlias.computeIfAbsent(key(e.definition().model(), e.definition().alias()), k -> new ArrayList<>()).add(e);
    }
    Map<String, Map<String, Route[]>> next = new HashMap<>();
    List<Holdout> allHoldouts = byAlias.isEmpty() && !onFlags ? List.of() : holdouts.get();
    flagExperiments = onFlags ? FlagExperiments.of(all, allHoldouts) : FlagExperiments.NONE;
    byAlias.forEach((modelAlias, list) -> {
      String model = list.get(0).definition().model();
      List<Holdout> over = allHoldouts.stream().filter(h -> h.model() == null || h.model().equals(model))
          .sorted(Comparator.comparing(h -> h.model() == null ? "" : h.model())).toList();
      String[] seeds = over.stream().map(Holdout::seed).toArray(String[]::new);
      double[] shares = over.stream().mapToDouble(Holdout::share).toArray();
      list.sort(Comparator.comparing(e -> e.definition().layer()));
      Route[] rs = new Route[list.size()];
      for (int i = 0; i < rs.length; i++) {
        Experiment e = list.get(i);
        List<Arm> arms = e.definition().arms();
        rs[i] = new Route(e.id(), new Allocation(e.seed(), arms.stream().map(Arm::name).toList(),
            arms.stream().map(Arm::weight).toList()), arms.stream().map(Arm::name).toArray(String[]::new),
            arms.stream().mapToInt(Arm::version).toArray(), seeds, shares,
            e.definition().targeting().isEmpty() ? null : e.definition().targeting());
      }
      var def = list.get(0).definition();
      next.computeIfAbsent(def.model(), m -> new HashMap<>()).put(def.alias(), rs);
    });
    Map<String, Map<String, Route[]>> frozen = new HashMap<>();
    next.forEach((model, aliases) -> frozen.put(model, Map.copyOf(aliases)));
    routes = Map.copyOf(frozen);
    armMetrics.keepPredictionsOf(feedback);
  }

  /**
   * The unit's arm on {@code model}'s {@code alias}, or null when no experiment runs there or there is no unit. Logs
   * the unit's first exposure (at {@code epochMillis}) through the exposure buffer. A unit a holdout keeps out is
   * answered {@link Holdout#ARM} with {@link Assignment#BASELINE} as its version (the alias's own version serves it),
   * and its exposure is logged under that arm to the experiment it would have been in, so the experiment's results
   * can compare its arms with the baseline.
   */
  public Assignment assign(String model, String alias, String unit, long epochMillis) {
    return assign(model, alias, unit, null, epochMillis);
  }

  /**
   * As {@link #assign(String, String, String, long)}, with the request's targeting {@code attributes} (may be null):
   * a unit whose attributes do not meet its experiment's targeting ({@link FlagEvaluator#matches}, the unit being the
   * {@code targetingKey}) is not assigned (null: the alias, i.e. control's usual version, answers) and logs no exposure.
   */
  public Assignment assign(String model, String alias, String unit, Map<String, JsonNode> attributes,
      long epochMillis) {
    Assignment a = arm(model, alias, unit, attributes);
    if (a != null) {
      exposures.offer(a.experiment(), unit, a.arm(), epochMillis);
    }
    return a;
  }

  /**
   * The unit's arm in the experiment running on {@code flag} (see {@link FlagExperiments#arm}), logging its first
   * exposure through the exposure buffer as {@link #assign} does; null when no experiment takes the unit.
   */
  public FlagAssignment assignFlag(dev.pier.experiments.flags.Flag flag, String unit, Map<String, JsonNode> attributes,
      long epochMillis) {
    FlagExperiments snapshot = flagExperiments;
    if (snapshot.isEmpty()) return null;
    FlagAssignment a = snapshot.arm(flag, unit, attributes);
    if (a != null) exposures.offer(a.experiment(), unit, a.arm(), epochMillis);
    return a;
  }

  /** The running flag experiments in the current snapshot (what the flags listing gives the providers). */
  public FlagExperiments flagExperiments() {
    return flagExperiments;
  }

  /** Whether an experiment (in any layer) runs on {@code model}'s {@code alias} in the current snapshot. */
  public boolean running(String model, String alias) {
    Map<String, Route[]> aliases = routes.get(model);
    return aliases != null && aliases.get(alias) != null;
  }

  /**
   * The versions the arms of the experiments running on {@code model}'s {@code alias} (in any layer) serve, ascending;
   * empty when none runs there. A batch job reads its rows once per distinct input layout among them.
   */
  public List<Integer> versions(String model, String alias) {
    Map<String, Route[]> aliases = routes.get(model);
    Route[] rs = aliases == null ? null : aliases.get(alias);
    if (rs == null) return List.of();
    return java.util.Arrays.stream(rs).flatMapToInt(r -> java.util.Arrays.stream(r.versions)).distinct().sorted()
        .boxed().toList();
  }

  /**
   * The unit's arm as {@link #assign} decides it (same layers, holdouts and hash), but logging nothing: for a batch
   * job, which stores its rows' exposures itself, once per chunk. Null when no experiment runs there or no unit.
   */
  public Assignment arm(String model, String alias, String unit) {
    return arm(model, alias, unit, null);
  }

  /** As {@link #arm(String, String, String)}, null too when the attributes do not meet the experiment's targeting. */
  public Assignment arm(String model, String alias, String unit, Map<String, JsonNode> attributes) {
    if (unit == null || unit.isEmpty()) return null;
    Map<String, Route[]> aliases = routes.get(model);
    Route[] rs = aliases == null ? null : aliases.get(alias);
    if (rs == null) return null;
    Route r = rs.length == 1 ? rs[0]
        : rs[(int) (UnitHash.position("layers:" + model + "/" + alias, unit) * rs.length)];
    if (r.targeting != null && !FlagEvaluator.matches(r.targeting, unit, attributes)) {
      return null; // targeted out: not in the experiment, no exposure
    }
    for (int h = 0; h < r.holdoutSeeds.length; h++) {
      if (UnitHash.position(r.holdoutSeeds[h], unit) < r.holdoutShares[h]) {
        return new Assignment(r.experiment, Holdout.ARM, Assignment.BASELINE);
      }
    }
    int arm = r.allocation.index(unit);
    return new Assignment(r.experiment, r.arms[arm], r.versions[arm]);
  }

  private static String key(String model, String alias) {
    return model + "\u0000" + alias;
  }
}
