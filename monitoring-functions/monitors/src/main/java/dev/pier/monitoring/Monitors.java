package dev.pier.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.monitoring.capture.CaptureStore;
import dev.pier.monitoring.profile.CaptureProfile;
import dev.pier.monitoring.profile.ProfileStore;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The monitors service behind {@code /api/v1/monitors}: create a monitor on a model version against a reference,
 * run it now over the window of captures that ends now, list and read its runs. A resource method maps one call here
 * to one HTTP answer; failures are {@link PierException}s carrying their status and a message naming the problem.
 * Thread-safe.
 */
public final class Monitors {
  private static final Pattern COLUMN = Pattern.compile("(.+)\\[(\\d+)]");

  private final MonitorStore store;
  private final ModelVersions versions;
  private final CaptureStore captures;
  private final ProfileStore profiles;
  private final int exactMaxRows;
  private final Labels labels;
  private final MonitorRunner runner = new MonitorRunner();
  private final Clock clock;

  public Monitors(MonitorStore store, ModelVersions versions, CaptureStore captures, ProfileStore profiles,
      Labels labels, Clock clock) {
    this(store, versions, captures, profiles, labels, clock, MonitorRunner.EXACT_MAX_ROWS);
  }

  /**
   * @param exactMaxRows windows with more captured rows than this run from the merged hourly profiles instead of the
   *     rows themselves
   */
  public Monitors(MonitorStore store, ModelVersions versions, CaptureStore captures, ProfileStore profiles,
      Labels labels, Clock clock, int exactMaxRows) {
    this.store = store;
    this.versions = versions;
    this.captures = captures;
    this.profiles = profiles;
    this.exactMaxRows = exactMaxRows;
    this.labels = labels;
    this.clock = clock;
  }

  /**
   * Creates a monitor: 404 for an unknown model or version, 400 for a prediction column that is not one of the
   * version's outputs (when it declares them), for a protected or drift column the reference lacks, or for any
   * invalid field (see {@link MonitorRequest}).
   */
  public MonitorDefinition create(MonitorRequest request) {
    ModelVersions.Resolved version = versions.resolve(request.model(), request.version());
    if (request.prediction() != null && !version.outputs().isEmpty() && !isOutput(request.prediction(),
        version.outputs())) {
      throw PierException.badRequest("prediction: '" + request.prediction() + "' is not an output of "
          + version.model() + " version " + version.version() + " (outputs: "
          + String.join(", ", new TreeSet<>(version.outputs())) + ")");
    }
    Set<String> referenceColumns = new TreeSet<>();
    request.referenceRows().forEach(r -> referenceColumns.addAll(r.keySet()));
    for (String column : request.protectedColumns()) {
      if (!referenceColumns.contains(column)) {
        throw PierException.badRequest("protected: the reference has no column '" + column + "'");
      }
    }
    for (String column : request.drift().keySet()) {
      if (!referenceColumns.contains(column)) {
        throw PierException.badRequest("drift: the reference has no column '" + column + "'");
      }
    }
    MonitorDefinition monitor = new MonitorDefinition(UUID.randomUUID().toString(), version.model(),
        version.version(), request.version(), request.window(), request.schedule(), request.task(),
        request.prediction(), request.protectedColumns(), request.drift(), request.driftShare(), request.checks(),
        request.alerts(), clock.instant());
    store.create(monitor, request.referenceRows());
    return monitor;
  }

  public MonitorDefinition get(String id) {
    return store.get(id);
  }

  public List<MonitorDefinition> list() {
    return store.list();
  }

  /**
   * Runs the monitor over {@code [now - window, now)} and stores the run; returns the run. A window with more than
   * {@code exactMaxRows} captured rows (counted from its hourly profiles) runs from the merged profiles of the hours it
   * overlaps; a smaller one from its rows.
   */
  public MonitorRun runNow(String id) {
    MonitorDefinition monitor = store.get(id);
    Instant now = clock.instant();
    Instant from = now.minus(monitor.window());
    CaptureProfile hourly = profiles.merged(monitor.model(), monitor.version(), from, now);
    if (hourly.rows() > exactMaxRows) {
      MonitorRun run = runner.runFromProfiles(monitor, UUID.randomUUID().toString(), store.reference(id), hourly,
          now, from.truncatedTo(java.time.temporal.ChronoUnit.HOURS), now);
      store.putRun(run);
      return run;
    }
    List<CaptureStore.CapturedRow> window = captures.read(monitor.model(), monitor.version(), from, now);
    List<Map<String, Object>> reference = store.reference(id);
    LabelSource arrived = monitor.task() == null ? LabelSource.NONE : labels.labelsFor(window);
    MonitorRun run = runner.run(monitor, UUID.randomUUID().toString(), reference, window, arrived, now, from, now);
    store.putRun(run);
    return run;
  }

  /** Run summaries, newest first; 404 for an unknown monitor. */
  public List<JsonNode> runs(String id) {
    return store.runs(id);
  }

  public JsonNode run(String id, String runId) {
    store.get(id);
    return store.run(id, runId);
  }

  /** A run as the API answers it. */
  public static JsonNode json(MonitorRun run) {
    return MonitoringJson.MAPPER.valueToTree(run);
  }

  /** A monitor as the API answers it. */
  public static JsonNode json(MonitorDefinition monitor) {
    return MonitoringJson.MAPPER.valueToTree(monitor);
  }

  /** Where a run finds the labels of its window's rows ({@link FeedbackStore#labelsFor}). */
  @FunctionalInterface
  public interface Labels {
    Labels NONE = rows -> LabelSource.NONE;

    LabelSource labelsFor(List<CaptureStore.CapturedRow> rows);
  }

  private static boolean isOutput(String column, Set<String> outputs) {
    if (outputs.contains(column)) {
      return true;
    }
    Matcher m = COLUMN.matcher(column);
    return m.matches() && outputs.contains(m.group(1));
  }
}
