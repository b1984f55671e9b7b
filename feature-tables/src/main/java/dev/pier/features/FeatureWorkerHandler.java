package dev.pier.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.S3SourcePolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import software.amazon.awssdk.services.sfn.SfnClient;

/**
 * The feature worker Lambda ({@code dev.pier.features.FeatureWorkerHandler::handleRequest}, in {@code
 * feature-worker.zip}, which carries DuckDB): runs one task of the {@code feature-materialization} state machine per
 * invocation, the event being the {@code Payload} of its {@code lambda:invoke} states ({@code {"action":
 * "materialize-chunk", "job_id": …, "view": …, "file": …}}), or starts an incremental job when a schedule sends
 * {@code {"action": "materialize-incremental", "feature_views": [...]}} (as an execution of that state machine). The
 * answer is the task's result as JSON; a failed task throws {@link FeaturesTransientError} or
 * {@link FeaturesInvalidError}, which Lambda reports by class name for the ASL's Retry and Catch. It also runs the
 * tasks of the {@code feature-historical} state machine ({@code {"action": "historical-retrieve", "job_id": …}}, and
 * {@code historical-fail}): a historical retrieval job's point-in-time join ({@link HistoricalJobs}), which the api
 * Lambda, lacking DuckDB, hands over by starting an execution.
 *
 * <p>Configured by environment: {@code PIER_FEATURES_TABLE} (definitions, jobs, watermarks, statistics),
 * {@code PIER_FEATURES_ONLINE_TABLE}, {@code PIER_FEATURES_STATE_MACHINE_ARN}, {@code PIER_FEATURES_STAGING_BUCKET} (the tasks the api hands over, {@link WorkerTasks}), {@code AWS_REGION}. After each
 * written chunk and finished job it prints the views' freshness as CloudWatch embedded metrics
 * ({@code Pier/Features}: {@code OnlineAgeSeconds}, {@code MaterializationLagSeconds},
 * {@code MaterializationLagBehindSourceSeconds}, per view and overall), which
 * the freshness alarms watch.
 *
 * <p>It deliberately does not implement {@code RequestStreamHandler}: Lambda's Java runtime calls a public
 * {@code handleRequest(InputStream, OutputStream)} just the same, and the zip needs no Lambda library.
 */
public final class FeatureWorkerHandler {
  /** Where the freshness metrics go (CloudWatch namespace). */
  public static final String NAMESPACE = "Pier/Features";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Materialization materialization;
  private final MaterializationTasks tasks;
  private final HistoricalJobs historical;
  private final WorkerTasks handedOff;
  private final Clock clock;
  private final java.io.PrintStream metrics;

  /** What Lambda's runtime instantiates (in its init phase): clients and tables from the environment. */
  public FeatureWorkerHandler() {
    this(parts(System.getenv(), new AwsClients(AwsClients.AwsSettings.cloud(
        System.getenv().getOrDefault("AWS_REGION", "us-east-1")))), Clock.systemUTC(), System.out);
  }

  /**
   * The worker as Lambda's runtime builds it, from {@code env} (the variables above), but on {@code aws}'s clients:
   * what a test stands behind Lambda's {@code Invoke} API with the app's DynamoDB and S3 stand-ins.
   */
  public static FeatureWorkerHandler fromEnvironment(Map<String, String> env, AwsClients aws) {
    return new FeatureWorkerHandler(parts(env, aws), Clock.systemUTC(), System.out);
  }

  private FeatureWorkerHandler(Parts parts, Clock clock, java.io.PrintStream metrics) {
    this(parts.materialization(), parts.historical(), parts.handedOff(), clock, metrics);
  }

  /** @param metrics where the embedded-metric lines go (stdout in Lambda: CloudWatch Logs parses them) */
  public FeatureWorkerHandler(Materialization materialization, Clock clock, java.io.PrintStream metrics) {
    this(materialization, null, clock, metrics);
  }

  /**
   * @param historical the tasks of the {@code feature-historical} state machine ({@code historical-retrieve},
   *     {@code historical-fail}); null answers them as unknown
   */
  public FeatureWorkerHandler(Materialization materialization, HistoricalJobs historical, Clock clock,
      java.io.PrintStream metrics) {
    this(materialization, historical, null, clock, metrics);
  }

  /**
   * @param handedOff what the api hands over in AWS (inline historical retrieval, offline pushes, point-in-time
   *     lookups; {@link WorkerTasks}); null answers them as unknown. Staged pushes are also written before each
   *     scheduled incremental materialization.
   */
  public FeatureWorkerHandler(Materialization materialization, HistoricalJobs historical, WorkerTasks handedOff,
      Clock clock, java.io.PrintStream metrics) {
    this.handedOff = handedOff;
    this.historical = historical;
    this.materialization = materialization;
    this.tasks = new MaterializationTasks(materialization, clock);
    this.clock = clock;
    this.metrics = metrics;
  }

  public void handleRequest(InputStream input, OutputStream output) throws IOException {
    JsonNode event = JSON.readTree(input);
    String action = event.path("action").asText();
    // before historical jobs' tasks: historical-inline (handed over) shares their prefix
    if (handedOff != null && WorkerTasks.handles(action)) {
      JSON.writeValue(output, handedOff.invoke(event));
      return;
    }
    if (action.startsWith("historical-") && historical != null) {
      JSON.writeValue(output, historical.invoke(event));
      return;
    }
    if (handedOff != null && action.equals("materialize-incremental")) {
      try {
        handedOff.sweep(); // pushed rows whose hand-off failed land before the job reads the batch sources
      } catch (RuntimeException e) { // they stay staged for the next run; the materialization goes on
        System.err.println("feature worker: staged pushes not written yet: " + e);
      }
    }
    JsonNode result = tasks.invoke(event);
    if (action.equals("materialize-chunk")) {
      reportFreshness(List.of(event.path("view").asText()));
    } else if (action.equals("materialize-finish")) {
      reportFreshness(List.copyOf(materialization.get(event.path("job_id").asText()).starts().keySet()));
    }
    JSON.writeValue(output, result);
  }

  /** One embedded-metric line per view: the age of its newest online value and its watermark's lag. */
  private void reportFreshness(List<String> views) {
    for (String view : views) {
      OnlineStatistics.Freshness f = materialization.statistics().freshness(view, materialization.watermark(view));
      var line = JSON.createObjectNode();
      var aws = line.putObject("_aws");
      aws.put("Timestamp", clock.millis());
      var directive = aws.putArray("CloudWatchMetrics").addObject();
      directive.put("Namespace", NAMESPACE);
      var dimensions = directive.putArray("Dimensions");
      dimensions.addArray().add("FeatureView");
      dimensions.addArray(); // and with no dimension: the worst view, which the alarms watch
      var list = directive.putArray("Metrics");
      line.put("FeatureView", view);
      if (f.newestOnlineAgeSeconds() != null) {
        list.addObject().put("Name", "OnlineAgeSeconds").put("Unit", "Seconds");
        line.put("OnlineAgeSeconds", f.newestOnlineAgeSeconds());
      }
      if (f.materializationLagSeconds() != null) {
        list.addObject().put("Name", "MaterializationLagSeconds").put("Unit", "Seconds");
        line.put("MaterializationLagSeconds", f.materializationLagSeconds());
      }
      if (f.lagBehindSourceSeconds() != null) {
        list.addObject().put("Name", "MaterializationLagBehindSourceSeconds").put("Unit", "Seconds");
        line.put("MaterializationLagBehindSourceSeconds", f.lagBehindSourceSeconds());
      }
      if (!list.isEmpty()) {
        metrics.println(line);
      }
    }
  }

  private record Parts(Materialization materialization, HistoricalJobs historical, WorkerTasks handedOff) {}

  private static Parts parts(Map<String, String> env, AwsClients aws) {
    String table = require(env, "PIER_FEATURES_TABLE");
    String onlineTable = require(env, "PIER_FEATURES_ONLINE_TABLE");
    ExecutorService pool = Executors.newFixedThreadPool(8, r -> {
      Thread t = new Thread(r, "pier-feature-worker");
      t.setDaemon(true);
      return t;
    });
    FeatureRegistry registry = new FeatureRegistry(aws.dynamoDb(), table, Duration.ofSeconds(5), Clock.systemUTC());
    // which buckets it may read is IAM's business here: the worker's role reads the offline bucket only
    OfflineStore offline = new OfflineStore(aws.s3(), Path.of(System.getProperty("java.io.tmpdir"), "pier-features"),
        S3SourcePolicy.of(List.of("*"), List.of()));
    Materialization m = new Materialization(aws.dynamoDb(), table, registry, offline,
        new OnlineStore(aws.dynamoDb(), onlineTable, pool), pool, Clock.systemUTC());
    String machine = env.get("PIER_FEATURES_STATE_MACHINE_ARN");
    if (machine != null && !machine.isBlank()) {
      m.launchWith(new StepFunctionsLauncher(aws.client(SfnClient.builder(), null), machine));
    }
    // the worker only runs historical jobs' tasks; the api creates and starts them (nothing launches from here)
    HistoricalJobs historical = new HistoricalJobs(aws.dynamoDb(), table, new HistoricalRetrieval(registry, offline),
        pool, Clock.systemUTC());
    historical.launchWith(id -> {
      throw new IllegalStateException("the feature worker does not start historical jobs");
    });
    // what the api hands over (it has no DuckDB), exchanging what is too big for a payload through the staging bucket
    String staging = env.get("PIER_FEATURES_STAGING_BUCKET");
    WorkerTasks handedOff = null;
    if (staging != null && !staging.isBlank()) {
      HistoricalRetrieval retrieval = new HistoricalRetrieval(registry, offline);
      handedOff = new WorkerTasks(registry, retrieval, new PointInTimeLookup(registry, offline),
          new FeaturePush(registry, new OnlineStore(aws.dynamoDb(), onlineTable, pool), offline), aws.s3(), staging);
    }
    return new Parts(m, historical, handedOff);
  }

  private static String require(Map<String, String> env, String name) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      throw new IllegalStateException("the feature worker needs " + name + " in its environment");
    }
    return v;
  }
}
