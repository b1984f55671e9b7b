package dev.pier.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.batch.ScheduleExpression;
import dev.pier.kernel.PierException;
import dev.pier.monitoring.alerts.Alert;
import dev.pier.monitoring.alerts.AlertDelivery;
import dev.pier.monitoring.alerts.AlertRules;
import dev.pier.monitoring.capture.CaptureStore;
import dev.pier.monitoring.drift.FeatureImportance;
import dev.pier.monitoring.profile.CaptureProfile;
import dev.pier.monitoring.profile.ProfileStore;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The monitors service behind {@code /api/v1/monitors}: create, change and delete monitors; run one now over the
 * window of captures that ends now, or every scheduled window that is due; list and read runs and alerts. A resource
 * method maps one call here to one HTTP answer; failures are {@link PierException}s carrying their status and a
 * message naming the problem. Thread-safe.
 */
public final class Monitors {
  private static final Pattern COLUMN = Pattern.compile("(.+)\\[(\\d+)]");
  /** A scheduler that was down catches up on at most this many windows per monitor, newest last. */
  static final int MAX_CATCH_UP = 24;

  private final MonitorStore store;
  private final ModelVersions versions;
  private final CaptureStore captures;
  private final ProfileStore profiles;
  private final int exactMaxRows;
  private final Labels labels;
  private final MonitorRunner runner = new MonitorRunner();
  private final Clock clock;
  private final ReferenceLoader references;
  private final AlertDelivery delivery;

  private volatile ShapImportance shap;

  public Monitors(MonitorStore store, ModelVersions versions, CaptureStore captures, ProfileStore profiles,
      Labels labels, Clock clock) {
    this(store, versions, captures, profiles, labels, clock, MonitorRunner.EXACT_MAX_ROWS);
  }

  public Monitors(MonitorStore store, ModelVersions versions, CaptureStore captures, ProfileStore profiles,
      Labels labels, Clock clock, int exactMaxRows) {
    this(store, versions, captures, profiles, labels, clock, exactMaxRows, null, AlertDelivery.NONE);
  }

  /**
   * @param exactMaxRows windows with more captured rows than this run from the merged hourly profiles instead of the
   *     rows themselves
   * @param references reads references given by uri, captures or training data; null for inline rows only
   * @param delivery where new alerts go
   */
  public Monitors(MonitorStore store, ModelVersions versions, CaptureStore captures, ProfileStore profiles,
      Labels labels, Clock clock, int exactMaxRows, ReferenceLoader references, AlertDelivery delivery) {
    this.shap = ShapImportance.NONE;
    this.store = store;
    this.versions = versions;
    this.captures = captures;
    this.profiles = profiles;
    this.exactMaxRows = exactMaxRows;
    this.labels = labels;
    this.clock = clock;
    this.references = references;
    this.delivery = delivery;
  }

  /**
   * Creates a monitor: 404 for an unknown model or version; 400 naming every problem among: a prediction column that
   * is not one of the version's outputs, a reference none of whose columns is the version's (extra columns, such as a
   * protected attribute the model does not take, are fine), protected, drift or checked
   * columns the reference lacks (and any invalid field, see {@link MonitorRequest}).
   *
   * <p>When the version does not capture (no rate, or 0), its capture is turned on at the request's rate (default
   * 1.0) by a conditional change of the version, as a {@code PATCH} of {@code capture} would; a rate the version's
   * user set is left alone. Which of the two happened is recorded in the monitor ({@code capture.turned_on}).
   * Deleting monitors never changes the version's capture: the last one going leaves the rate as it is, to be
   * turned off on the version.
   */
  public MonitorDefinition create(MonitorRequest request) {
    ModelVersions.Resolved version = versions.resolve(request.model(), request.version());
    List<String> problems = new ArrayList<>();
    if (request.prediction() != null && !version.outputs().isEmpty() && !isOutput(request.prediction(),
        version.outputs())) {
      problems.add("prediction: '" + request.prediction() + "' is not an output of " + version.model() + " version "
          + version.version() + " (outputs: " + String.join(", ", new TreeSet<>(version.outputs())) + ")");
    }
    if (!problems.isEmpty()) {
      throw PierException.badRequest(String.join("; ", problems));
    }
    List<Map<String, Object>> rows = request.reference() instanceof ReferenceSpec.Rows r ? r.rows()
        : loader().load(request.reference(), version);
    Set<String> given = new TreeSet<>();
    rows.forEach(r -> given.addAll(r.keySet()));
    boolean predicted = false;
    if (!version.outputs().isEmpty() && given.stream().noneMatch(c -> isOutput(c, version.outputs()))) {
      // no output columns: the version's own predictions on the reference rows are the reference for prediction drift
      List<Map<String, Object>> withOutputs = referencePredictions.withPredictions(version.model(), version.version(),
          rows);
      predicted = withOutputs != rows;
      rows = withOutputs;
    }
    Set<String> referenceColumns = new TreeSet<>();
    rows.forEach(r -> referenceColumns.addAll(r.keySet()));
    if (version.columns() != null && referenceColumns.stream().noneMatch(version.columns()::contains)) {
      problems.add("reference: none of its columns (" + String.join(", ", referenceColumns) + ") is an input or"
          + " output of " + version.model() + " version " + version.version() + " (its columns: "
          + String.join(", ", version.columns()) + ")");
    }
    checkColumns(request.protectedColumns(), "protected", referenceColumns, problems);
    checkColumns(request.drift().keySet(), "drift", referenceColumns, problems);
    checkColumns(dev.pier.monitoring.alerts.Checks.parse(request.checks(), new ArrayList<>()).namedColumns(),
        "checks.column_drift", referenceColumns, problems);
    if (!problems.isEmpty()) {
      throw PierException.badRequest(String.join("; ", problems));
    }
    Map<String, Object> reference = new LinkedHashMap<>(request.reference().describe());
    reference.put("rows", rows.size());
    reference.put("columns", new ArrayList<>(referenceColumns));
    if (predicted) {
      reference.put("predictions", "computed by " + version.model() + " version " + version.version());
    }
    String id = UUID.randomUUID().toString();
    MonitorDefinition.Capture capture = versions.turnOnCapture(version.model(), version.version(),
        request.captureRate() == null ? 1.0 : request.captureRate(), "monitor:" + id);
    MonitorDefinition monitor = new MonitorDefinition(id, version.model(),
        version.version(), request.version(), request.window(), request.schedule(), request.task(),
        request.prediction(), request.protectedColumns(), request.drift(), request.driftShare(), request.checks(),
        request.alerts(), clock.instant(), reference, capture);
    store.create(monitor, rows);
    syncAlarms(monitor);
    return monitor;
  }

  /** Changes the fields a {@code PATCH} names; 409 when the monitor changed meanwhile. */
  public MonitorDefinition update(String id, MonitorRequest patch) {
    MonitorDefinition before = store.get(id);
    MonitorDefinition after = before.patched(patch);
    List<String> problems = new ArrayList<>();
    if (after.task() != null && after.prediction() == null) {
      problems.add("prediction: a monitor with a task names the output column that holds the prediction");
    }
    if (after.prediction() != null && patch.fields().contains("prediction")) {
      ModelVersions.Resolved version = versions.resolve(before.model(), Integer.toString(before.version()));
      if (!version.outputs().isEmpty() && !isOutput(after.prediction(), version.outputs())) {
        problems.add("prediction: '" + after.prediction() + "' is not an output of " + version.model()
            + " version " + version.version() + " (outputs: " + String.join(", ", new TreeSet<>(version.outputs()))
            + ")");
      }
    }
    @SuppressWarnings("unchecked")
    Set<String> columns = new TreeSet<>((List<String>) before.reference().getOrDefault("columns", List.of()));
    if (!columns.isEmpty()) {
      checkColumns(after.protectedColumns(), "protected", columns, problems);
      checkColumns(after.drift().keySet(), "drift", columns, problems);
      checkColumns(after.parsedChecks().namedColumns(), "checks.column_drift", columns, problems);
    }
    if (!problems.isEmpty()) {
      throw PierException.badRequest(String.join("; ", problems));
    }
    store.update(before, after);
    syncAlarms(after);
    return after;
  }

  /** Deletes the monitor: its CloudWatch alarms first (a failure there fails the delete, which a retry finishes). */
  public void delete(String id) {
    store.get(id);
    if (alarms != null) {
      alarms.delete(id);
    }
    store.delete(id);
  }

  private volatile dev.pier.monitoring.alerts.MonitorAlarms alarms;

  /** A CloudWatch alarm per check of each monitor (in AWS); set once at wiring, none when not set. */
  public Monitors alarms(dev.pier.monitoring.alerts.MonitorAlarms alarms) {
    this.alarms = alarms;
    return this;
  }

  /**
   * Makes the monitor's CloudWatch alarms match its checks. A failure is logged, not thrown: the monitor is stored,
   * and each of its runs syncs its alarms again (idempotent; nothing is put when they match).
   */
  private void syncAlarms(MonitorDefinition monitor) {
    if (alarms == null) {
      return;
    }
    try {
      alarms.sync(monitor);
    } catch (RuntimeException e) {
      System.getLogger(Monitors.class.getName()).log(System.Logger.Level.WARNING, "monitor " + monitor.id()
          + ": CloudWatch alarms not synced, retried at its next run: " + e);
    }
  }

  public MonitorDefinition get(String id) {
    return store.get(id);
  }

  public List<MonitorDefinition> list() {
    return store.list();
  }

  /**
   * Runs the monitor over {@code [now - window, now)} and stores the run; returns the run. It sees every captured
   * prediction written before it started.
   */
  public MonitorRun runNow(String id) {
    MonitorDefinition monitor = store.get(id);
    Instant now = clock.instant();
    return run(monitor, UUID.randomUUID().toString(), now.minus(monitor.window()), now);
  }

  /**
   * Runs every scheduled window of every monitor that has ended by now and has not run: the window ending at each
   * fire time of the schedule. A window's run id is made from its end ({@code w-<epoch seconds>}), and a run is
   * written once, so a window is run once whatever crashes or restarts in between (the schedule's progress is
   * recorded after each window). Returns the runs made.
   */
  public List<MonitorRun> runDue() {
    List<MonitorRun> made = new ArrayList<>();
    Instant now = clock.instant();
    for (String id : scheduled()) {
      made.addAll(runDue(id, now));
    }
    return made;
  }

  /** The ids of the monitors that have a schedule, oldest first. */
  public List<String> scheduled() {
    return store.list().stream().filter(m -> m.schedule() != null).map(MonitorDefinition::id).toList();
  }

  /**
   * Runs one monitor's scheduled windows that ended by {@code now} and have not run, oldest first (at most
   * {@value #MAX_CATCH_UP}, the newest); see {@link #runDue()}. What a scheduled workflow's task does for one monitor,
   * with {@code now} its execution's start time, so a retried task runs the same windows. None for a monitor without
   * a schedule; 404 for an unknown one.
   */
  public List<MonitorRun> runDue(String id, Instant now) {
    MonitorDefinition monitor = store.get(id);
    List<MonitorRun> made = new ArrayList<>();
    if (monitor.schedule() == null) {
      return made;
    }
    ScheduleExpression schedule = ScheduleExpression.parse(monitor.schedule(), monitor.createdAt());
    Instant through = store.scheduledThrough(monitor.id());
    Instant after = through != null ? through : monitor.createdAt();
    List<Instant> due = new ArrayList<>();
    for (Instant end = schedule.next(after); end != null && !end.isAfter(now); end = schedule.next(end)) {
      due.add(end);
      if (due.size() > MAX_CATCH_UP) {
        due.removeFirst();
      }
    }
    for (Instant end : due) {
      String runId = scheduledRunId(end);
      if (!store.hasRun(monitor.id(), end, runId)) {
        made.add(run(monitor, runId, end.minus(monitor.window()), end));
      }
      store.scheduledThrough(monitor.id(), end);
    }
    return made;
  }

  static String scheduledRunId(Instant windowEnd) {
    return "w-" + windowEnd.getEpochSecond();
  }

  private MonitorRun run(MonitorDefinition monitor, String runId, Instant from, Instant to) {
    Instant started = clock.instant();
    CaptureProfile hourly = profiles.merged(monitor.model(), monitor.version(), from, to);
    MonitorRun run;
    List<CaptureStore.CapturedRow> window = null; // the rows, in exact mode
    if (hourly.rows() > exactMaxRows) {
      run = runner.runFromProfiles(monitor, runId, store.referenceProfile(monitor.id()), hourly, started,
          from.truncatedTo(ChronoUnit.HOURS), to);
      if (monitor.task() != null) {
        run = sampledPerformance(monitor, run, from, to);
      }
    } else {
      window = captures.read(monitor.model(), monitor.version(), from, to);
      LabelSource arrived = monitor.task() == null ? LabelSource.NONE : labels.labelsFor(window);
      run = runner.run(monitor, runId, store.reference(monitor.id()), window, arrived, started, from, to);
      run = run.withLatency(WindowLatency.of(window, java.time.Duration.between(from, to)));
      if (monitor.task() != null) {
        long matched = window.stream().filter(r -> r.requestId() != null
            && arrived.label(r.requestId(), r.row()).isPresent()).count();
        labels.joined(window, arrived); // off the pending list: what "unmatched" counts is what no run has joined
        run = run.withFeedback(new MonitorRun.FeedbackCounts(matched, labels.unmatched()));
      }
    }
    run = run.withFeatureImportance(importance(monitor, run, window));
    List<Alert> raised = new ArrayList<>();
    for (Alert alert : AlertRules.evaluate(monitor, run)) {
      if (store.putAlert(alert)) {
        raised.add(alert);
      }
    }
    run = run.withAlerts(raised);
    store.putRun(run);
    delivery.deliver(raised, monitor.parsedAlerts());
    syncAlarms(monitor);
    return run;
  }

  /** Capture objects a sketch run reads for its performance and slices: evenly spaced over the window. */
  static final int PERFORMANCE_OBJECTS = 64;

  /**
   * A sketch run's performance, error slices and (binary) CBPE estimate, from a sample of the window: at most
   * {@value #PERFORMANCE_OBJECTS} of its capture objects, evenly spaced, and at most the exact limit of their rows,
   * joined to the labels that have arrived as an exact run joins them. Labels of rows outside the sample stay pending
   * (and counted unmatched) until a run reads their rows or they expire. This is by design: a run over more than the
   * exact limit must not read every row (that is what profiles avoid), and a sample of up to the exact limit gives
   * metrics whose sampling error is small next to the window-to-window change a monitor watches; the labels are
   * stored either way, so no label is lost, and the run's note says how many rows and labels the figures rest on.
   */
  private MonitorRun sampledPerformance(MonitorDefinition monitor, MonitorRun run, Instant from, Instant to) {
    CaptureStore.Sample sample = captures.sample(monitor.model(), monitor.version(), from, to, PERFORMANCE_OBJECTS,
        exactMaxRows);
    List<CaptureStore.CapturedRow> rows = sample.rows();
    LabelSource arrived = labels.labelsFor(rows);
    MonitorRun.Performance performance = MonitorRunner.performance(monitor, rows, arrived);
    long matched = rows.stream().filter(r -> r.requestId() != null
        && arrived.label(r.requestId(), r.row()).isPresent()).count();
    labels.joined(rows, arrived);
    return run.withPerformance(performance, "performance, its estimate and slices are from a sample of the window: "
        + rows.size() + " of its " + run.rows() + " rows, from " + sample.objectsRead() + " of its "
        + sample.objectsInWindow() + " capture objects (evenly spaced), " + matched + " of them labelled; labels of"
        + " the window's other rows are not joined by a sketch run and stay counted in feedback.unmatched until a run"
        + " reads their rows (an exact run over a shorter window) or the feedback window passes")
        .withFeedback(new MonitorRun.FeedbackCounts(matched, labels.unmatched()));
  }

  /** Captured rows explained for importance when the version logs none: at most this many, evenly spaced. */
  static final int SHAP_SAMPLE = 200;

  private volatile ReferencePredictions referencePredictions = ReferencePredictions.NONE;

  /** Where a reference without output columns gets the version's predictions; set once at wiring. */
  public Monitors referencePredictions(ReferencePredictions predictions) {
    this.referencePredictions = predictions;
    return this;
  }

  /** Where runs get importance from the model itself when the version logs none; set once at wiring. */
  public Monitors shapImportance(ShapImportance shap) {
    this.shap = shap;
    return this;
  }

  /**
   * The run's data drift weighted by feature importance: the version's {@code importance.<column>} metrics, read now
   * (they may be logged after training); without them, in exact mode, the mean |SHAP| per column over at most
   * {@value #SHAP_SAMPLE} of the window's captured rows (evenly spaced), from the model's explain path.
   */
  private FeatureImportance importance(MonitorDefinition monitor, MonitorRun run,
      List<CaptureStore.CapturedRow> window) {
    Map<String, Double> importance;
    try {
      importance = versions.resolve(monitor.model(), Integer.toString(monitor.version())).importance();
    } catch (PierException e) {
      return null; // the version is gone: its captures are still monitored
    }
    if (!importance.isEmpty() || run.dataDrift() == null || shap == ShapImportance.NONE
        || (window != null && window.isEmpty())) {
      return FeatureImportance.weigh("version metrics " + ModelVersions.Resolved.IMPORTANCE + "<column>", importance,
          run.dataDrift());
    }
    List<Map<String, Object>> sample = new ArrayList<>();
    String from;
    if (window != null) {
      CaptureStore.evenlySpaced(window, SHAP_SAMPLE).forEach(r -> sample.add(r.inputs()));
      from = "captured rows";
    } else { // sketch mode: a few of the window's capture objects, not all its rows
      CaptureStore.Sample s = captures.sample(monitor.model(), monitor.version(), run.windowStart(), run.windowEnd(),
          SHAP_OBJECTS, SHAP_SAMPLE);
      s.rows().forEach(r -> sample.add(r.inputs()));
      from = "captured rows sampled from " + s.objectsRead() + " of the window's " + s.objectsInWindow()
          + " capture objects";
    }
    if (sample.isEmpty()) {
      return null;
    }
    ReferenceShap reference;
    try {
      importance = shap.meanAbsShap(monitor.model(), monitor.version(), sample);
      reference = referenceShap(monitor);
    } catch (PierException e) {
      return null; // the explain path refuses this version (e.g. no background rows): no importance
    }
    return FeatureImportance.weigh("mean |SHAP| over " + sample.size() + " " + from
        + (reference.importance().isEmpty() ? "" : "; on the reference over " + reference.rows() + " of its rows"),
        importance, reference.importance(), run.dataDrift());
  }

  /** Mean |SHAP| per column over {@code rows} reference rows. */
  private record ReferenceShap(int rows, Map<String, Double> importance) {}

  /** Per monitor: its reference rows and version never change, so their importance is computed once per process. */
  private final Map<String, ReferenceShap> referenceShap = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * The mean |SHAP| per column over at most {@value #SHAP_SAMPLE} of the monitor's reference rows, evenly spaced: the
   * importance a run's is compared with. Empty when the reference's rows do not hold the model's input columns.
   */
  private ReferenceShap referenceShap(MonitorDefinition monitor) {
    ReferenceShap known = referenceShap.get(monitor.id());
    if (known != null) {
      return known;
    }
    List<Map<String, Object>> rows = CaptureStore.evenlySpaced(store.reference(monitor.id()), SHAP_SAMPLE);
    ReferenceShap computed = new ReferenceShap(rows.size(), rows.isEmpty() ? Map.of()
        : Map.copyOf(shap.meanAbsShap(monitor.model(), monitor.version(), rows)));
    referenceShap.put(monitor.id(), computed);
    return computed;
  }

  /** Capture objects a sketch run reads for its SHAP sample: evenly spaced over the window, a batch of rows each. */
  static final int SHAP_OBJECTS = 8;

  /** Run summaries, newest window first; 404 for an unknown monitor. */
  public List<JsonNode> runs(String id) {
    return store.runs(id);
  }

  /**
   * One page of run summaries, newest window first: {@code size} after the run {@code pageToken} names (from the
   * newest when null). A token this listing did not give is a 400; 404 for an unknown monitor.
   */
  public dev.pier.kernel.paging.Page<JsonNode> runs(String id, String pageToken, dev.pier.kernel.paging.PageSize size) {
    String after = null;
    if (pageToken != null && !pageToken.isEmpty()) {
      try {
        after = new String(java.util.Base64.getUrlDecoder().decode(pageToken), java.nio.charset.StandardCharsets.UTF_8);
      } catch (IllegalArgumentException x) {
        after = "";
      }
      if (!MonitorStore.isRunKey(after)) {
        throw PierException.badRequest("page_token is not a token this listing gave: '" + pageToken + "'");
      }
    }
    MonitorStore.RunRows page = store.runs(id, after, size.value());
    String next = page.more() ? java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
        page.rows().getLast().sortKey().getBytes(java.nio.charset.StandardCharsets.UTF_8)) : null;
    return new dev.pier.kernel.paging.Page<>(page.rows().stream().map(MonitorStore.RunRow::summary).toList(), next);
  }

  public JsonNode run(String id, String runId) {
    store.get(id);
    return store.run(id, runId);
  }

  /**
   * A run as a self-contained HTML page ({@link dev.pier.monitoring.report.RunReport}); an exact run's window is read
   * again for the distribution plots of its drifted columns.
   */
  public String report(String id, String runId) {
    MonitorDefinition monitor = store.get(id);
    JsonNode run = store.run(id, runId);
    Map<String, List<Object>> window = new java.util.HashMap<>();
    if ("exact".equals(run.path("mode").asText())) {
      for (CaptureStore.CapturedRow row : captures.read(monitor.model(), monitor.version(),
          Instant.parse(run.get("window_start").asText()), Instant.parse(run.get("window_end").asText()))) {
        row.inputs().forEach((k, v) -> window.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
        row.outputs().forEach((k, v) -> window.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
      }
    }
    return dev.pier.monitoring.report.RunReport.html(run, store.reference(id), window);
  }

  /**
   * The reference's and the window's distributions of one column in a run, as the run's report draws them (see
   * {@link dev.pier.monitoring.report.RunReport#distribution}). Only exact runs have the window's values: a run made
   * from profiles is a 409 saying so; a column neither side has is a 404 naming it.
   */
  public Map<String, Object> distribution(String id, String runId, String column) {
    MonitorDefinition monitor = store.get(id);
    JsonNode run = store.run(id, runId);
    if (!"exact".equals(run.path("mode").asText())) {
      throw PierException.conflict("run '" + runId + "' of monitor '" + id + "' was made from profiles ("
          + run.path("mode").asText() + "): it keeps no window values to bin; exact runs do");
    }
    List<Object> window = new ArrayList<>();
    for (CaptureStore.CapturedRow row : captures.read(monitor.model(), monitor.version(),
        Instant.parse(run.get("window_start").asText()), Instant.parse(run.get("window_end").asText()))) {
      if (row.inputs().containsKey(column)) {
        window.add(row.inputs().get(column));
      } else if (row.outputs().containsKey(column)) {
        window.add(row.outputs().get(column));
      }
    }
    List<Object> reference = new ArrayList<>();
    boolean known = !window.isEmpty();
    for (Map<String, Object> r : store.reference(id)) {
      known |= r.containsKey(column);
      reference.add(r.get(column));
    }
    if (!known) {
      throw PierException.notFound("run '" + runId + "' of monitor '" + id + "' has no column '" + column + "'");
    }
    var d = dev.pier.monitoring.report.RunReport.distribution(reference, window);
    JsonNode drift = run.path("data_drift").path("columns").path(column);
    if (drift.isMissingNode()) {
      drift = run.path("prediction_drift").path("columns").path(column);
    }
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    out.put("monitor_id", id);
    out.put("run_id", runId);
    out.put("column", column);
    out.put("kind", d.numeric() ? "numeric" : "categorical");
    out.put("reference_rows", reference.stream().filter(java.util.Objects::nonNull).count());
    out.put("window_rows", window.stream().filter(java.util.Objects::nonNull).count());
    out.put("drift", drift.isMissingNode() ? null : drift);
    List<Map<String, Object>> bins = new ArrayList<>();
    for (var b : d.bins()) {
      Map<String, Object> bin = new java.util.LinkedHashMap<>();
      bin.put("bin", b.bin());
      if (b.low() != null) {
        bin.put("low", b.low());
      }
      bin.put("reference", b.reference());
      bin.put("window", b.window());
      bins.add(bin);
    }
    out.put("bins", bins);
    return out;
  }

  /**
   * Drift over time: per run, newest window first and paged as {@link #runs(String, String,
   * dev.pier.kernel.paging.PageSize)}, the drift results of every column (or only {@code column} when given) —
   * method, statistic, p-value, threshold, drifted — with the run's window.
   */
  public dev.pier.kernel.paging.Page<JsonNode> driftHistory(String id, String column, String pageToken,
      dev.pier.kernel.paging.PageSize size) {
    var runs = runs(id, pageToken, size);
    List<JsonNode> points = new ArrayList<>();
    for (JsonNode summary : runs.items()) {
      String runId = summary.get("run_id").asText();
      JsonNode run = store.run(id, runId);
      var point = MonitoringJson.MAPPER.createObjectNode();
      point.put("run_id", runId);
      point.set("window_start", run.get("window_start"));
      point.set("window_end", run.get("window_end"));
      point.put("rows", run.path("rows").asLong());
      var columns = point.putObject("columns");
      for (String part : List.of("data_drift", "prediction_drift")) {
        run.path(part).path("columns").fields().forEachRemaining(e -> {
          if (column == null || column.equals(e.getKey())) {
            columns.set(e.getKey(), e.getValue());
          }
        });
      }
      points.add(point);
    }
    return new dev.pier.kernel.paging.Page<>(points, runs.nextPageToken());
  }

  /** The monitor's alerts, newest window first. */
  public List<JsonNode> alerts(String id) {
    return store.alerts(id);
  }

  /** A run as the API answers it. */
  public static JsonNode json(MonitorRun run) {
    return MonitoringJson.MAPPER.valueToTree(run);
  }

  /** A monitor as the API answers it. */
  public static JsonNode json(MonitorDefinition monitor) {
    return MonitoringJson.MAPPER.valueToTree(monitor);
  }

  /** Where a run finds the labels of its window's rows ({@link FeedbackStore}). */
  public interface Labels {
    Labels NONE = new Labels() {
      @Override
      public LabelSource labelsFor(List<CaptureStore.CapturedRow> rows) {
        return LabelSource.NONE;
      }

      @Override
      public long unmatched() {
        return 0;
      }

      @Override
      public void joined(List<CaptureStore.CapturedRow> rows, LabelSource labels) {
      }
    };

    LabelSource labelsFor(List<CaptureStore.CapturedRow> rows);

    /** Labels received that no run has joined to a captured prediction yet; see {@link FeedbackStore#unmatched()}. */
    long unmatched();

    /** Records that a run joined these labels (those {@code labels} has) to these captured rows. */
    void joined(List<CaptureStore.CapturedRow> rows, LabelSource labels);
  }

  private ReferenceLoader loader() {
    if (references == null) {
      throw PierException.notImplemented("reference: only inline rows are read by this build");
    }
    return references;
  }

  private static void checkColumns(java.util.Collection<String> named, String field, Set<String> reference,
      List<String> problems) {
    for (String column : named) {
      if (!reference.contains(column)) {
        problems.add(field + ": the reference has no column '" + column + "'");
      }
    }
  }

  private static boolean isOutput(String column, Set<String> outputs) {
    if (outputs.contains(column)) {
      return true;
    }
    Matcher m = COLUMN.matcher(column);
    return m.matches() && outputs.contains(m.group(1));
  }
}
