package dev.pier.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.pier.experiments.flags.FlagControl;
import dev.pier.experiments.metrics.ExperimentLedger;
import dev.pier.experiments.metrics.FeedbackJoin;
import dev.pier.experiments.metrics.FeedbackLabel;
import dev.pier.experiments.metrics.Exposure;
import dev.pier.experiments.metrics.MetricEvent;
import dev.pier.experiments.metrics.MetricType;
import dev.pier.experiments.results.ExperimentResults;
import dev.pier.experiments.results.ResultsCalculator;
import dev.pier.experiments.stats.SampleSize;
import dev.pier.experiments.store.ExperimentStore;
import dev.pier.experiments.store.LogBatch;
import dev.pier.kernel.PierException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The experiments service behind {@code /api/v1/experiments}: design (validated, sample size computed), the state
 * machine (start, pause, stop; one running experiment per model, alias and layer), exposures and events, and results.
 *
 * <p>Exposures and events are stored as accepted batches and folded into each experiment's {@link ExperimentLedger}
 * when results are asked for: a refresh reads only the batches stored since the last one (plus a one-minute overlap
 * for writers whose batches commit out of order, deduplicated by key), so its cost follows the new data. The ledger
 * lives in this process; a fresh process folds the stored batches once.
 */
public final class Experiments {

  /** Items per request: a stored batch must stay under DynamoDB's 400 KB item limit. */
  public static final int MAX_ITEMS = 1_000;
  private static final long OVERLAP_MILLIS = 60_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ExperimentStore store;
  private final ModelCatalog catalog;
  private final Clock clock;
  private final ModelTraffic traffic;
  private final ResultsCalculator calculator = new ResultsCalculator();
  private final Map<String, Folded> ledgers = new ConcurrentHashMap<>();
  private final List<Runnable> transitionListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<java.util.function.Consumer<Analysed>> analysisListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * An analysis this process made and recorded: the experiment, the decision as applied, and the results it was made
   * on (a retried analysis that answers an earlier record is not one).
   */
  public record Analysed(String experiment, Decision decision, ExperimentResults results) {
    /** The guardrail comparisons these results find breached (an arm harming a guardrail beyond its allowance). */
    public long breachedGuardrails() {
      return results.metrics().stream().filter(m -> m.role().equals("guardrail"))
          .flatMap(m -> m.comparisons().stream()).filter(c -> Boolean.TRUE.equals(c.breached())).count();
    }
  }

  /**
   * Runs {@code listener} after each analysis this process records (the platform counts guardrail breaches from it
   * for the alarms). A listener must not throw.
   */
  public void onAnalysis(java.util.function.Consumer<Analysed> listener) {
    analysisListeners.add(listener);
  }

  public Experiments(ExperimentStore store, ModelCatalog catalog, Clock clock) {
    this(store, catalog, clock, ModelTraffic.NONE);
  }

  /** @param traffic the model's measured traffic, for the expected duration of a design without daily_units */
  public Experiments(ExperimentStore store, ModelCatalog catalog, Clock clock, ModelTraffic traffic) {
    this(store, catalog, clock, traffic, key -> {
      throw PierException.badRequest("flag: this server has no flags service to check flag '" + key + "'");
    });
  }

  /**
   * @param flags reads a flag by key (404 when there is none), to check a flag experiment's variants; a flag
   *     experiment's winner is then recorded, not rolled out (see the {@link FlagControl} constructor)
   */
  public Experiments(ExperimentStore store, ModelCatalog catalog, Clock clock, ModelTraffic traffic,
      java.util.function.Function<String, dev.pier.experiments.flags.Flag> flags) {
    this(store, catalog, clock, traffic, new FlagControl() {
      @Override
      public dev.pier.experiments.flags.Flag get(String key) {
        return flags.apply(key);
      }

      @Override
      public dev.pier.experiments.flags.Flag serveByDefault(String key, String variant, String actor, String reason) {
        throw PierException.badRequest("this server has no flags service to roll flag '" + key + "' out");
      }
    });
  }

  /**
   * @param flags the flags service: checks a flag experiment's variants, and rolls its winner out (the flag's default
   *     serves the winning variant) or, on a guardrail stop, returns the default to control's variant
   */
  public Experiments(ExperimentStore store, ModelCatalog catalog, Clock clock, ModelTraffic traffic,
      FlagControl flags) {
    this.store = store;
    this.catalog = catalog;
    this.clock = clock;
    this.traffic = traffic;
    this.flags = flags;
  }

  private final FlagControl flags;

  public Experiment create(JsonNode body) {
    ExperimentDefinition def = DefinitionParser.parse(body);
    if (def.onFlag()) {
      var flag = flags.get(def.flag());
      List<String> unknown = new ArrayList<>();
      for (int i = 0; i < def.arms().size(); i++) {
        String variant = def.arms().get(i).variant();
        if (!flag.variants().containsKey(variant)) {
          unknown.add("arms[" + i + "].variant: flag '" + flag.key() + "' has no variant '" + variant + "' (it has "
              + flag.variants().keySet() + ")");
        }
      }
      if (!unknown.isEmpty()) throw PierException.badRequest("invalid experiment: " + String.join("; ", unknown));
    } else {
      catalog.requireAlias(def.model(), def.alias());
      for (Arm arm : def.arms()) {
        if (arm.version() != null) catalog.requireVersion(def.model(), arm.version());
      }
    }
    Design d = def.design();
    long perArm = def.primary().type() == MetricType.BINARY
        ? SampleSize.binary(d.alpha(), d.power(), d.mde(), d.baseline())
        : SampleSize.continuous(d.alpha(), d.power(), d.mde(), d.baseline(), d.baselineSd());
    Double days = null, daily = null;
    String basis = null;
    if (d.dailyUnits() != null) {
      daily = d.dailyUnits().doubleValue();
      basis = Experiment.BASIS_DESIGN;
    } else {
      java.util.OptionalDouble measured = def.onFlag() ? java.util.OptionalDouble.empty()
          : traffic.requestsPerDay(def.model());
      if (measured.isPresent() && measured.getAsDouble() > 0) {
        daily = measured.getAsDouble();
        basis = Experiment.BASIS_MEASURED;
      }
    }
    if (daily != null) {
      double smallest = def.arms().stream().mapToDouble(Arm::weight).min().orElse(1);
      days = Math.ceil(10 * perArm / (daily * smallest)) / 10;
    }
    String id = "exp-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    String seed = UUID.randomUUID().toString().replace("-", "");
    Experiment e = new Experiment(id, seed, def, ExperimentState.DRAFT, 1, clock.instant(), null, null, perArm, days,
        null, basis, daily);
    store.create(e);
    return e;
  }

  public Experiment get(String id) {
    return store.get(id).orElseThrow(() -> PierException.notFound("experiment '" + id + "' not found"));
  }

  /** Experiments, newest first, filtered by model, state and a case-insensitive text in name or hypothesis. */
  /**
   * One page of {@link #list(String, String, String)}: {@code size} after the experiment {@code pageToken} names
   * (from the newest when null), read from the store's listing only as far as the page needs. A token this listing
   * did not give is a 400.
   */
  public dev.pier.kernel.paging.Page<Experiment> list(String model, String state, String q, String pageToken,
      dev.pier.kernel.paging.PageSize size) {
    java.util.function.Predicate<Experiment> keep = filter(model, state, q);
    String after = null;
    if (pageToken != null && !pageToken.isEmpty()) {
      try {
        after = new String(java.util.Base64.getUrlDecoder().decode(pageToken), java.nio.charset.StandardCharsets.UTF_8);
      } catch (IllegalArgumentException x) {
        after = "";
      }
      if (!ExperimentStore.isListingKey(after)) {
        throw PierException.badRequest("page_token is not a token this listing gave: '" + pageToken + "'");
      }
    }
    ExperimentStore.ExperimentRows page = store.page(keep, after, size.value());
    String next = page.more() ? java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
        page.keys().getLast().getBytes(java.nio.charset.StandardCharsets.UTF_8)) : null;
    return new dev.pier.kernel.paging.Page<>(page.rows(), next);
  }

  public List<Experiment> list(String model, String state, String q) {
    java.util.function.Predicate<Experiment> keep = filter(model, state, q);
    List<Experiment> out = new ArrayList<>();
    for (Experiment e : store.list()) {
      if (keep.test(e)) {
        out.add(e);
      }
    }
    return out;
  }

  private static java.util.function.Predicate<Experiment> filter(String model, String state, String q) {
    ExperimentState wanted = null;
    if (state != null && !state.isBlank()) {
      try {
        wanted = ExperimentState.valueOf(state.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException x) {
        throw PierException.badRequest("state: must be one of draft, running, paused, stopped; got '" + state + "'");
      }
    }
    String needle = q == null ? null : q.toLowerCase(Locale.ROOT);
    ExperimentState w = wanted;
    return e -> {
      var d = e.definition();
      return (model == null || model.isBlank() || model.equals(d.model())) && (w == null || e.state() == w)
          && (needle == null || d.name().toLowerCase(Locale.ROOT).contains(needle)
              || (d.hypothesis() != null && d.hypothesis().toLowerCase(Locale.ROOT).contains(needle)));
    };
  }

  public Experiment start(String id) {
    Experiment e = get(id);
    return switch (e.state()) {
      case RUNNING -> e; // idempotent
      case DRAFT, PAUSED -> transition(e, ExperimentState.RUNNING);
      case STOPPED -> throw PierException.conflict("experiment " + id + " is stopped; a stopped experiment stays stopped");
    };
  }

  public Experiment pause(String id) {
    Experiment e = get(id);
    return switch (e.state()) {
      case PAUSED -> e;
      case RUNNING -> transition(e, ExperimentState.PAUSED);
      case DRAFT, STOPPED -> throw PierException.conflict("experiment " + id + " is " + lower(e.state())
          + "; only a running experiment can be paused");
    };
  }

  public Experiment stop(String id) {
    return stop(id, null);
  }

  /**
   * Stops the experiment, recording {@code by} (a caller's principal, or {@code experiment:<id>} for an automatic
   * decision) as who stopped it; stopping a stopped experiment changes nothing.
   */
  public Experiment stop(String id, String by) {
    Experiment e = get(id);
    return e.state() == ExperimentState.STOPPED ? e : transition(e, ExperimentState.STOPPED, by);
  }

  /** Every holdout, the global one first. */
  public List<Holdout> holdouts() {
    return store.holdouts();
  }

  /**
   * Sets the global holdout ({@code model} null) or one model's: {@code {"share": 0.05}}, a share in (0, 0.5] of units
   * kept out of every experiment (on that model). A new holdout gets its own seed; a change keeps it, so the units held
   * out stay held out while the share does not shrink. With {@code "revision"} in the body the change applies only to
   * that revision, else a 409. The assigners see it at their next refresh (and at once in this process).
   */
  public Holdout setHoldout(String model, JsonNode body) {
    if (model != null) catalog.requireModel(model);
    if (body == null || !body.isObject()) throw PierException.badRequest("body: required, {\"share\": <0..0.5>}");
    JsonNode share = body.get("share");
    if (share == null || !share.isNumber() || !(share.asDouble() > 0) || share.asDouble() > MAX_HOLDOUT_SHARE) {
      throw PierException.badRequest("share: required, a number in (0, " + MAX_HOLDOUT_SHARE + "], got "
          + (share == null ? "nothing" : share.toString()));
    }
    JsonNode rev = body.get("revision");
    if (rev != null && !rev.isIntegralNumber()) throw PierException.badRequest("revision: must be an integer");
    Holdout current = store.holdouts().stream().filter(h -> java.util.Objects.equals(h.model(), model)).findFirst()
        .orElse(null);
    if (rev != null && (current == null ? 0 : current.revision()) != rev.asLong()) {
      throw PierException.conflict("holdout " + (model == null ? "global" : "model:" + model) + " is at revision "
          + (current == null ? 0 : current.revision()) + ", not " + rev.asLong());
    }
    String seed = current == null ? UUID.randomUUID().toString().replace("-", "") : current.seed();
    long revision = current == null ? 1 : current.revision() + 1;
    Holdout next = new Holdout(model, share.asDouble(), seed, revision, clock.instant().toString());
    store.putHoldout(next, current == null ? 0 : current.revision());
    transitionListeners.forEach(Runnable::run);
    return next;
  }

  /** Removes the global holdout ({@code model} null) or one model's; a missing one is a 404. */
  public void removeHoldout(String model) {
    if (!store.deleteHoldout(model)) {
      throw PierException.notFound("no holdout " + (model == null ? "global" : "on model '" + model + "'"));
    }
    transitionListeners.forEach(Runnable::run);
  }

  /** The largest holdout share: more would leave the experiments too few units. */
  public static final double MAX_HOLDOUT_SHARE = 0.5;

  /** {@code {"items": [{"unit", "arm", "timestamp"}]}} from clients that assign themselves. */
  public IngestReport exposures(String id, JsonNode body) {
    Experiment e = get(id);
    if (e.state() == ExperimentState.DRAFT || e.state() == ExperimentState.STOPPED) {
      throw PierException.conflict("experiment " + id + " is " + lower(e.state()) + "; exposures are taken while it"
          + " runs or is paused");
    }
    JsonNode items = items(body);
    Set<String> arms = new HashSet<>();
    for (Arm a : e.definition().arms()) arms.add(a.name());
    arms.add(Holdout.ARM); // a unit a client kept out of the experiment by a holdout
    List<String> problems = new ArrayList<>();
    ArrayNode rows = JsonNodeFactory.instance.arrayNode();
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = items.get(i);
      String path = "items[" + i + "]";
      String unit = requiredText(item, "unit", path, problems);
      String arm = requiredText(item, "arm", path, problems);
      Long at = timestamp(item, path, problems);
      if (arm != null && !arms.contains(arm)) {
        problems.add(path + ".arm: unknown arm '" + arm + "'; experiment " + id + " has " + arms(e));
      }
      if (unit != null && arm != null && at != null) rows.add(JsonNodeFactory.instance.arrayNode().add(unit).add(arm).add(at));
    }
    if (!problems.isEmpty()) throw PierException.badRequest("invalid exposures: " + summary(problems));
    store.append(id, 'X', rows.toString(), clock.instant());
    return new IngestReport(rows.size(), List.of(id));
  }

  /**
   * {@code {"items": [{"unit", "metric", "value", "timestamp"}]}}: each event goes to every running or paused
   * experiment that measures its metric. A metric no such experiment measures is a 400 naming it.
   */
  public IngestReport events(JsonNode body) {
    JsonNode items = items(body);
    List<Experiment> active = new ArrayList<>();
    for (Experiment e : store.list()) {
      if (e.state() == ExperimentState.RUNNING || e.state() == ExperimentState.PAUSED) active.add(e);
    }
    List<String> problems = new ArrayList<>();
    Map<String, ArrayNode> perExperiment = new LinkedHashMap<>();
    Map<String, List<Integer>> unmeasured = new LinkedHashMap<>();
    int accepted = 0;
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = items.get(i);
      String path = "items[" + i + "]";
      String unit = requiredText(item, "unit", path, problems);
      String metric = requiredText(item, "metric", path, problems);
      Long at = timestamp(item, path, problems);
      double value = 1;
      if (item.has("value")) {
        if (!item.get("value").isNumber()) problems.add(path + ".value: must be a number");
        value = item.get("value").asDouble();
      }
      if (unit == null || metric == null || at == null) continue;
      boolean measured = false;
      for (Experiment e : active) {
        if (!e.definition().measures(metric)) continue;
        measured = true;
        perExperiment.computeIfAbsent(e.id(), k -> JsonNodeFactory.instance.arrayNode())
            .add(JsonNodeFactory.instance.arrayNode().add(unit).add(metric).add(value).add(at));
      }
      if (!measured) unmeasured.computeIfAbsent(metric, k -> new ArrayList<>()).add(i);
      else accepted++;
    }
    // one problem per unknown metric, however many items carry it
    unmeasured.forEach((metric, at) -> problems.add("items" + indexes(at) + ".metric: no running experiment measures '"
        + metric + "'"));
    if (!problems.isEmpty()) throw PierException.badRequest("invalid events: " + summary(problems));
    Instant now = clock.instant();
    perExperiment.forEach((id, rows) -> store.append(id, 'E', rows.toString(), now));
    return new IngestReport(accepted, List.copyOf(perExperiment.keySet()));
  }

  /**
   * Stores the model metrics ({@link dev.pier.experiments.assignment.ArmMetrics}) of predictions experiment {@code id}
   * routed, rows {@code [unit, metric, value, epochMillis]}, as its events: only the metrics it measures, only while it
   * runs or is paused (an unknown or stopped experiment, or one that measures none of them, stores nothing). Returns
   * how many rows it stored.
   */
  public int writeModelMetrics(String id, List<Object[]> rows) {
    Experiment e = store.get(id).orElse(null);
    if (e == null || !(e.state() == ExperimentState.RUNNING || e.state() == ExperimentState.PAUSED)) return 0;
    ArrayNode kept = JsonNodeFactory.instance.arrayNode();
    for (Object[] r : rows) {
      if (!e.definition().measures((String) r[1])) continue;
      kept.add(JsonNodeFactory.instance.arrayNode().add((String) r[0]).add((String) r[1]).add((Double) r[2])
          .add((Long) r[3]));
    }
    if (!kept.isEmpty()) store.append(id, 'E', kept.toString(), clock.instant());
    return kept.size();
  }

  /** Stored batch kinds beside exposures ({@code X}) and events ({@code E}): routed predictions and labels. */
  private static final char PREDICTIONS = 'P', LABELS = 'F';
  /** A stored batch stays well under DynamoDB's 400 KB item limit. */
  private static final int MAX_BATCH_CHARS = 300_000;

  /**
   * Stores predictions experiment {@code id} routed, rows {@code [requestId, unit, epochMillis, List<Object> value per
   * row]} (from {@link dev.pier.experiments.assignment.ArmMetrics}), for the join with feedback labels: only while it
   * runs or is paused and measures feedback. Returns how many rows it stored.
   */
  public int writePredictions(String id, List<Object[]> rows) {
    Experiment e = store.get(id).orElse(null);
    if (e == null || !(e.state() == ExperimentState.RUNNING || e.state() == ExperimentState.PAUSED)
        || e.definition().metrics().stream().noneMatch(Metric::fromFeedback)) {
      return 0;
    }
    List<JsonNode> out = new ArrayList<>();
    for (Object[] r : rows) {
      ArrayNode values = JsonNodeFactory.instance.arrayNode();
      for (Object v : (List<?>) r[3]) values.add(JSON.valueToTree(v));
      out.add(JsonNodeFactory.instance.arrayNode().add((String) r[0]).add((String) r[1]).add((Long) r[2])
          .add(values));
    }
    appendChunked(id, PREDICTIONS, out);
    return out.size();
  }

  /**
   * Hands ground truth ({@code POST /api/v1/feedback}, already validated and stored by monitoring) to every running or
   * paused experiment that measures feedback: each stores the labels as a batch, and its results join them to the
   * predictions it routed (labels for other requests wait there unjoined, and are reported as {@code waiting}). A
   * label sent for a stopped experiment's prediction is not counted: its results were final at the stop. Returns the
   * ids of the experiments that took the labels.
   */
  public List<String> feedback(List<FeedbackLabel> labels) {
    if (labels.isEmpty()) return List.of();
    List<String> took = new ArrayList<>();
    List<JsonNode> rows = null;
    for (Experiment e : store.list()) {
      if (!(e.state() == ExperimentState.RUNNING || e.state() == ExperimentState.PAUSED)
          || e.definition().metrics().stream().noneMatch(Metric::fromFeedback)) {
        continue;
      }
      if (rows == null) {
        rows = new ArrayList<>();
        for (FeedbackLabel l : labels) {
          rows.add(JsonNodeFactory.instance.arrayNode().add(l.requestId()).add(l.row()).add(JSON.valueToTree(l.label())));
        }
      }
      appendChunked(e.id(), LABELS, rows);
      took.add(e.id());
    }
    return took;
  }

  /** Appends rows as batches of at most {@link #MAX_ITEMS} rows and {@link #MAX_BATCH_CHARS} characters. */
  private void appendChunked(String id, char kind, List<JsonNode> rows) {
    ArrayNode batch = JsonNodeFactory.instance.arrayNode();
    int chars = 2;
    for (JsonNode row : rows) {
      int size = row.toString().length() + 1;
      if (!batch.isEmpty() && (batch.size() >= MAX_ITEMS || chars + size > MAX_BATCH_CHARS)) {
        store.append(id, kind, batch.toString(), clock.instant());
        batch = JsonNodeFactory.instance.arrayNode();
        chars = 2;
      }
      batch.add(row);
      chars += size;
    }
    if (!batch.isEmpty()) store.append(id, kind, batch.toString(), clock.instant());
  }

  private static Object scalar(JsonNode v) {
    if (v == null || v.isNull()) return null;
    if (v.isBoolean()) return v.booleanValue();
    if (v.isNumber()) return v.doubleValue();
    return v.asText();
  }

  /**
   * An assigner for the prediction pipeline's resolve stage, fed by the stored experiments; the caller refreshes it on
   * a schedule and drains {@code exposures} into {@link #writeExposures}.
   */
  public dev.pier.experiments.assignment.ExperimentAssigner assigner(
      dev.pier.experiments.assignment.ExposureBuffer exposures) {
    return new dev.pier.experiments.assignment.ExperimentAssigner(store::list, store::holdouts, exposures);
  }

  /**
   * Stores exposures the server assigned itself ({@code [unit, arm, epochMillis]} rows) as one batch, once per
   * {@code batchId} (the exposure buffer retries a failed write with the same id); returns whether this call stored it.
   */
  public boolean writeExposures(String id, String batchId, List<Object[]> rows) {
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    for (Object[] r : rows) {
      out.add(JsonNodeFactory.instance.arrayNode().add((String) r[0]).add((String) r[1]).add((Long) r[2]));
    }
    return store.appendOnce(id, 'X', batchId, out.toString(), clock.instant());
  }

  /** One automatic analysis now; see {@link #analyze(String, Instant)}. */
  public Decision analyze(String id) {
    return analyze(id, clock.instant());
  }

  /**
   * One automatic analysis of a running experiment (what the scheduled analysis runs for each): computes the results,
   * decides by the experiment's {@link Auto} policy, applies the decision — stop and return the alias to control on a
   * guardrail breach; move the alias to the winner's version and stop; stop without a winner — and records it with
   * the results as evidence. A winner the registry refuses (a protected alias that takes approved versions only) is
   * recorded as not applied, and the experiment keeps running until it is approved. Every analysis is recorded,
   * {@code CONTINUE} and {@code HOLD} included, so the decisions list is the experiment's history of analyses.
   *
   * <p>{@code analysisAt} names the analysis (the scheduled time of the analysis run, or now): the record is written
   * on condition that none exists for that instant, and an analysis whose instant is recorded already — a retried
   * step of the analysis workflow — answers the recorded decision and applies nothing again. Not running and not
   * analysed at that instant before: nothing, null.
   */
  public Decision analyze(String id, Instant analysisAt) {
    Experiment e = get(id);
    Decision before = recordedDecision(id, analysisAt);
    if (before != null) return before;
    if (e.state() != ExperimentState.RUNNING) return null;
    ExperimentResults results = results(id);
    Instant now = analysisAt;
    Decision d = new DecisionPolicy().decide(e, results, now);
    var def = e.definition();
    String actor = "experiment:" + id;
    Decision done = switch (d.action()) {
      case CONTINUE, HOLD -> d.applied(false, null, now.toString());
      case STOP_GUARDRAIL -> {
        stop(id, actor);
        Integer control = def.arms().get(0).version();
        if (def.onFlag()) {
          String variant = def.arms().get(0).variant();
          try {
            var served = flags.get(def.flag());
            var after = flags.serveByDefault(def.flag(), variant, actor, "guardrail breached in experiment " + id);
            if (after.revision() != served.revision()) {
              announce("flag.rolled_back", actor, Map.of("flag", def.flag(), "variant", variant, "experiment", id,
                  "reason", "guardrail"));
              yield d.applied(true, "stopped; flag '" + def.flag() + "' serves control's variant '" + variant
                  + "' by default (revision " + after.revision() + ")", now.toString());
            }
            yield d.applied(true, "stopped; flag '" + def.flag() + "' already serves control's variant '" + variant
                + "' by default", now.toString());
          } catch (PierException refused) {
            yield d.applied(true, "stopped (evaluations serve the flag's own rules); its default was not returned to"
                + " control: " + refused.getMessage(), now.toString());
          }
        }
        if (control == null) {
          yield d.applied(true, "stopped; control is a flag variant, so the alias is unchanged", now.toString());
        }
        if (catalog.aliasVersion(def.model(), def.alias()) != control) {
          catalog.moveAlias(def.model(), def.alias(), control, actor);
        }
        yield d.applied(true, "stopped; alias '" + def.alias() + "' serves control's version " + control,
            now.toString());
      }
      case PROMOTE -> {
        if (def.onFlag()) {
          String variant = def.arms().stream().filter(a -> a.name().equals(d.arm())).findFirst().orElseThrow()
              .variant();
          dev.pier.experiments.flags.Flag after;
          try {
            after = flags.serveByDefault(def.flag(), variant, actor, "winner of experiment " + id + " (arm '"
                + d.arm() + "')");
          } catch (PierException refused) {
            // a concurrent change of the flag (409) or no flags service: the next analysis tries again
            yield d.applied(false, "waiting: flag '" + def.flag() + "' was not rolled out (" + refused.getMessage()
                + ")", now.toString());
          }
          announce("flag.rolled_out", actor, Map.of("flag", def.flag(), "variant", variant, "experiment", id,
              "arm", d.arm()));
          stop(id, actor);
          yield d.applied(true, "flag '" + def.flag() + "' serves variant '" + variant + "' by default (revision "
              + after.revision() + "); stopped", now.toString());
        }
        if (d.version() == null) {
          yield d.applied(false, "arm '" + d.arm() + "' serves a flag variant: roll the flag out by hand",
              now.toString());
        }
        try {
          catalog.moveAlias(def.model(), def.alias(), d.version(), actor);
        } catch (PierException refused) {
          yield d.applied(false, "waiting: the registry refused the alias move (" + refused.getMessage() + ")",
              now.toString());
        }
        stop(id, actor);
        yield d.applied(true, "alias '" + def.alias() + "' moved to version " + d.version() + "; stopped",
            now.toString());
      }
      case STOP_NO_WINNER -> {
        stop(id, actor);
        yield d.applied(true, "stopped; alias '" + def.alias() + "' unchanged", now.toString());
      }
    };
    boolean recorded;
    try {
      recorded = store.recordDecision(id, analysisAt, JSON.writeValueAsString(done), JSON.writeValueAsString(results));
    } catch (IOException x) {
      throw new UncheckedIOException("could not record the decision on " + id, x);
    }
    if (recorded) {
      Analysed analysed = new Analysed(id, done, results);
      analysisListeners.forEach(l -> l.accept(analysed));
      return done;
    }
    // a concurrent run of the same analysis recorded first: its decision is the analysis's
    return recordedDecision(id, analysisAt);
  }

  /** A flag change an analysis made, as a registry event (webhooks, EventBridge). */
  private void announce(String type, String actor, Map<String, String> detail) {
    try {
      catalog.announce(type, actor, detail);
    } catch (RuntimeException e) {
      // the change is made and recorded (flag history, decision); an event that did not go out loses nothing durable
      System.getLogger(Experiments.class.getName()).log(System.Logger.Level.WARNING, "could not announce " + type, e);
    }
  }

  private Decision recordedDecision(String id, Instant analysisAt) {
    String json = store.decision(id, analysisAt);
    if (json == null) return null;
    try {
      return JSON.readValue(json, Decision.class);
    } catch (IOException x) {
      throw new UncheckedIOException("unreadable decision of " + id, x);
    }
  }

  /** The experiment's recorded decisions, oldest first. */
  public List<Decision> decisions(String id) {
    get(id);
    List<Decision> out = new ArrayList<>();
    for (String[] row : store.decisions(id)) {
      try {
        out.add(JSON.readValue(row[0], Decision.class));
      } catch (IOException x) {
        throw new UncheckedIOException("unreadable decision of " + id, x);
      }
    }
    return out;
  }

  /**
   * One page of the experiment's recorded decisions, oldest first (the order they were analysed in, which never
   * changes): at most {@code size} after the one {@code pageToken} names (from the first when null). A token this
   * listing did not give is a 400.
   */
  public dev.pier.kernel.paging.Page<Decision> decisions(String id, String pageToken,
      dev.pier.kernel.paging.PageSize size) {
    get(id);
    String after = null;
    if (pageToken != null && !pageToken.isEmpty()) {
      try {
        after = new String(java.util.Base64.getUrlDecoder().decode(pageToken), java.nio.charset.StandardCharsets.UTF_8);
      } catch (IllegalArgumentException x) {
        after = "";
      }
      if (!ExperimentStore.isDecisionKey(after)) {
        throw PierException.badRequest("page_token is not a token this listing gave: '" + pageToken + "'");
      }
    }
    ExperimentStore.DecisionRows page = store.decisions(id, after, size.value());
    List<Decision> out = new ArrayList<>();
    for (String[] row : page.rows()) {
      try {
        out.add(JSON.readValue(row[1], Decision.class));
      } catch (IOException x) {
        throw new UncheckedIOException("unreadable decision of " + id, x);
      }
    }
    String next = page.more() ? java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
        page.rows().get(page.rows().size() - 1)[0].getBytes(java.nio.charset.StandardCharsets.UTF_8)) : null;
    return new dev.pier.kernel.paging.Page<>(out, next);
  }

  /** Analyses every running experiment now; returns the decisions by experiment id (the scheduled analysis' body). */
  public Map<String, Decision> analyzeRunning() {
    Instant now = clock.instant();
    Map<String, Decision> out = new LinkedHashMap<>();
    for (Experiment e : store.list()) {
      if (e.state() == ExperimentState.RUNNING) out.put(e.id(), analyze(e.id(), now));
    }
    return out;
  }

  /** The ids of the running experiments (the analysis workflow's first step). */
  public List<String> runningIds() {
    List<String> out = new ArrayList<>();
    for (Experiment e : store.list()) {
      if (e.state() == ExperimentState.RUNNING) out.add(e.id());
    }
    return out;
  }

  /** Current results: folds the batches stored since the last refresh, then computes from the aggregates. */
  public ExperimentResults results(String id) {
    Experiment e = get(id);
    Folded folded = ledgers.computeIfAbsent(id, k -> new Folded(e.definition()));
    synchronized (folded) {
      folded.refresh(store, id);
      ExperimentResults results = calculator.compute(e.definition().plan(), folded.ledger);
      return folded.feedback == null ? results : results.withFeedback(folded.feedbackCounts());
    }
  }

  /** An experiment's ledger and how far into its stored batches it has folded. */
  private static final class Folded {
    final ExperimentLedger ledger;
    long cursorMillis = -1;
    final Set<String> recent = new HashSet<>();

    Folded(ExperimentDefinition def) {
      Map<String, MetricType> types = new LinkedHashMap<>();
      Map<String, String> percentiles = new LinkedHashMap<>();
      for (Metric m : def.metrics()) {
        if (m.percentile()) percentiles.put(m.name(), m.of());
        else types.put(m.name(), m.type());
      }
      List<String> arms = new ArrayList<>(def.arms().stream().map(Arm::name).toList());
      arms.add(Holdout.ARM); // units kept out by a holdout: reported beside the arms, never one of them
      this.ledger = new ExperimentLedger(arms, types, percentiles, ExperimentLedger.DEFAULT_LOOKBACK);
      Map<String, dev.pier.experiments.metrics.FeedbackValue> feedback = new LinkedHashMap<>();
      for (Metric m : def.metrics()) {
        if (m.fromFeedback()) feedback.put(m.name(), m.feedback());
      }
      this.feedback = feedback.isEmpty() ? null : new FeedbackJoin(feedback, types);
    }

    final FeedbackJoin feedback;

    /** The feedback join's counts for the results, or null when the experiment measures no feedback. */
    ExperimentResults.Feedback feedbackCounts() {
      if (feedback == null) return null;
      long[] c = feedback.counts();
      return new ExperimentResults.Feedback(c[0], c[1], c[2], c[3]);
    }

    void refresh(ExperimentStore store, String id) {
      String after = cursorMillis < 0 ? null : String.format("%013d", Math.max(0, cursorMillis - OVERLAP_MILLIS));
      for (LogBatch batch : store.batchesAfter(id, after)) {
        if (!recent.add(batch.sortKey())) continue;
        apply(batch);
        cursorMillis = Math.max(cursorMillis, Long.parseLong(batch.sortKey().substring(0, 13)));
      }
      long horizon = cursorMillis - 2 * OVERLAP_MILLIS;
      recent.removeIf(sk -> Long.parseLong(sk.substring(0, 13)) < horizon);
    }

    private void apply(LogBatch batch) {
      JsonNode rows;
      try {
        rows = JSON.readTree(batch.itemsJson());
      } catch (IOException x) {
        throw new UncheckedIOException("unreadable stored batch " + batch.sortKey(), x);
      }
      for (JsonNode r : rows) {
        switch (batch.kind()) {
          case 'X' -> ledger.expose(new Exposure(r.get(0).asText(), r.get(1).asText(), r.get(2).asLong()));
          case PREDICTIONS -> {
            if (feedback == null) continue;
            List<Object> values = new ArrayList<>();
            for (JsonNode v : r.get(3)) values.add(scalar(v));
            feedback.predicted(r.get(0).asText(), r.get(1).asText(), r.get(2).asLong(), values, ledger::record);
          }
          case LABELS -> {
            if (feedback != null) feedback.labelled(r.get(0).asText(), r.get(1).asInt(), scalar(r.get(2)), ledger::record);
          }
          default ->
              ledger.record(new MetricEvent(r.get(0).asText(), r.get(1).asText(), r.get(2).asDouble(), r.get(3).asLong()));
        }
      }
    }
  }

  /**
   * Runs {@code listener} after every state change this process makes (start, pause, stop, an automatic decision):
   * the prediction path's assigner refreshes at once, so a stopped experiment stops assigning here on the very next
   * request (other processes see it at their next scheduled refresh). A listener must not throw.
   */
  public void onTransition(Runnable listener) {
    transitionListeners.add(listener);
  }

  private Experiment transition(Experiment e, ExperimentState next) {
    return transition(e, next, null);
  }

  private Experiment transition(Experiment e, ExperimentState next, String by) {
    Experiment done = store.transition(e, with(e, next, by));
    transitionListeners.forEach(Runnable::run);
    return done;
  }

  private Experiment with(Experiment e, ExperimentState next, String by) {
    Instant now = clock.instant();
    return new Experiment(e.id(), e.seed(), e.definition(), next, e.revision() + 1, e.createdAt(),
        next == ExperimentState.RUNNING && e.startedAt() == null ? now : e.startedAt(),
        next == ExperimentState.STOPPED ? now : e.stoppedAt(), e.sampleSizePerArm(), e.expectedDurationDays(),
        next == ExperimentState.STOPPED ? by : e.stoppedBy(), e.durationBasis(), e.dailyTraffic());
  }

  private static JsonNode items(JsonNode body) {
    if (body == null || !body.isObject() || !body.has("items") || !body.get("items").isArray()) {
      throw PierException.badRequest("items: required, a list");
    }
    JsonNode items = body.get("items");
    if (items.isEmpty()) throw PierException.badRequest("items: must not be empty");
    if (items.size() > MAX_ITEMS) {
      throw PierException.badRequest("items: at most " + MAX_ITEMS + " per request, got " + items.size());
    }
    return items;
  }

  private static String requiredText(JsonNode item, String field, String path, List<String> problems) {
    JsonNode v = item.get(field);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      problems.add(path + "." + field + ": required, a string");
      return null;
    }
    return v.asText();
  }

  /** ISO-8601 instant ({@code 2026-12-06T10:00:00Z}) or epoch milliseconds. */
  private static Long timestamp(JsonNode item, String path, List<String> problems) {
    JsonNode v = item.get("timestamp");
    if (v == null || v.isNull()) {
      problems.add(path + ".timestamp: required, an ISO-8601 instant or epoch milliseconds");
      return null;
    }
    if (v.isIntegralNumber()) return v.asLong();
    try {
      return Instant.parse(v.asText()).toEpochMilli();
    } catch (DateTimeParseException x) {
      problems.add(path + ".timestamp: not an ISO-8601 instant: '" + v.asText() + "'");
      return null;
    }
  }

  /** {@code [0]}, {@code [0, 3, 7]}, or {@code [0, 3, 7, … (86 items)]}. */
  private static String indexes(List<Integer> at) {
    if (at.size() <= 3) return at.toString();
    return "[" + at.get(0) + ", " + at.get(1) + ", " + at.get(2) + ", … (" + at.size() + " items)]";
  }

  /** The first ten problems and how many more: a 1,000-item batch must not answer with a 1,000-line message. */
  private static String summary(List<String> problems) {
    if (problems.size() <= 10) return String.join("; ", problems);
    return String.join("; ", problems.subList(0, 10)) + "; and " + (problems.size() - 10) + " more";
  }

  private static List<String> arms(Experiment e) {
    return e.definition().arms().stream().map(Arm::name).toList();
  }

  private static String lower(ExperimentState s) {
    return s.name().toLowerCase(Locale.ROOT);
  }

  /** For tests: forget the folded ledgers, as a fresh process would. */
  void forgetLedgers() {
    ledgers.clear();
  }
}
