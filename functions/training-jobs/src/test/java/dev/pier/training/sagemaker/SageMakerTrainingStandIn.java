package dev.pier.training.sagemaker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.pier.training.IntermediateReporter;
import dev.pier.training.Metric;
import dev.pier.training.TrainedModel;
import dev.pier.training.TrainingParams;
import dev.pier.training.TrainingTable;
import dev.pier.training.XGBoostTrainer;
import dev.pier.training.script.ScriptModelTrainer;
import dev.pier.training.script.ScriptSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A test-only stand-in for SageMaker's training-job API at the HTTP level (AWS JSON 1.1: {@code POST /} with
 * {@code X-Amz-Target: SageMaker.CreateTrainingJob | DescribeTrainingJob | StopTrainingJob}) that really trains: a job
 * on SageMaker's XGBoost image reads its {@code train} and {@code validation} channels (CSV, label first, no header)
 * from S3 as SageMaker's XGBoost container does, trains xgboost4j with its hyperparameters (strings; {@code num_round},
 * {@code eval_metric}, {@code seed}, {@code early_stopping_rounds} on the validation channel), reports
 * {@code train:<metric>} and {@code validation:<metric>} in {@code FinalMetricDataList}, and writes
 * {@code model.tar.gz} holding {@code xgboost-model} under {@code <S3OutputPath><name>/output/}.
 *
 * <p>It checks what SageMaker refuses (a missing role, image, output path, resource config or max runtime; a name
 * used before or not SageMaker's pattern; non-string hyperparameters; managed spot without MaxWaitTimeInSeconds ≥
 * MaxRuntimeInSeconds or a checkpoint location) with {@code ValidationException}. It reports
 * {@code TrainingTimeInSeconds} as measured (at least 1) or, when a test fixes it, that figure, and bills a managed-spot
 * job {@link #SPOT_BILLED} of it, as SageMaker reports a spot saving as fewer billable seconds.
 *
 * <p>A job on an image a test {@linkplain #runImage maps to a local command} runs as a script-mode container: the
 * command under SageMaker's training contract, laid out by the local script mode's own code
 * ({@link ScriptModelTrainer#layout}) in a fresh directory — its channels downloaded from S3 as File mode does (every
 * object under the prefix, by its name), the hyperparameters as strings, {@code --name value} arguments — its log
 * shipped to CloudWatch Logs, {@code FinalMetricDataList} the last value of each of the request's
 * {@code MetricDefinitions} in the log, and the model directory tarred to {@code model.tar.gz}. A non-zero exit fails
 * the job with {@code output/failure}'s text, as SageMaker does. No container runs: the command sees this machine,
 * not the image's file system, one host whatever the instance count, and the instance type changes nothing.
 *
 * <p>It does not run other images (such a job fails), check IAM or KMS, or use several hosts. Automatic Model
 * Tuning's operations are {@link TuningStandIn}'s.
 */
public final class SageMakerTrainingStandIn implements AutoCloseable {
  /** The share of a spot job's training time this stand-in bills. */
  public static final double SPOT_BILLED = 0.3;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String LOG_GROUP = "/aws/sagemaker/TrainingJobs";
  private static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$");

  private final HttpServer server;
  private final S3Client s3;
  private final ExecutorService jobs = Executors.newFixedThreadPool(2);
  private final Map<String, ObjectNode> described = new ConcurrentHashMap<>();
  /** Every CreateTrainingJob request accepted, in order. */
  public final List<JsonNode> requests = new CopyOnWriteArrayList<>();
  private final List<Map.Entry<Predicate<JsonNode>, String>> failures = new CopyOnWriteArrayList<>();
  private volatile long fixedSeconds;
  private volatile software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient logs;
  private final List<Predicate<JsonNode>> unlogged = new CopyOnWriteArrayList<>();
  private volatile Predicate<String> paced = name -> false;
  private final Map<String, Paced> pacing = new ConcurrentHashMap<>();
  /** Every StopTrainingJob request accepted (the training job's name), in order. */
  public final List<String> stops = new CopyOnWriteArrayList<>();
  /** Images run as a local command (script mode): test-only, see {@link #runImage}. */
  private final Map<String, List<String>> commands = new ConcurrentHashMap<>();
  /** Automatic Model Tuning: tuning jobs whose training jobs this stand-in trains. */
  public final TuningStandIn tuning = new TuningStandIn(this);

  public SageMakerTrainingStandIn(S3Client s3) throws IOException {
    this.s3 = s3;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext("/", this::handle);
    // a thread per exchange: with the default single dispatcher thread, one slow answer (a CreateTrainingJob
    // reading its channels) stalls every other caller's connect and read, and the SDK's timeouts fail the job
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /**
   * Jobs on {@code image} run {@code command} (e.g. {@code python3 train.py}) as their container would run the
   * user's script: under SageMaker's training contract, see the class comment.
   */
  public void runImage(String image, List<String> command) {
    commands.put(image, List.copyOf(command));
  }

  /** Jobs whose request matches fail with {@code reason} (as an algorithm error does) instead of training. */
  public void failWhen(Predicate<JsonNode> request, String reason) {
    failures.add(Map.entry(request, reason));
  }

  /**
   * Writes each XGBoost job's round lines to CloudWatch Logs through {@code client} as SageMaker's container does:
   * log group {@code /aws/sagemaker/TrainingJobs}, stream {@code <name>/algo-1-<epoch seconds>}, one event a round,
   * {@code [<round>]#011validation-<metric>:<value>} from the booster's evaluation history (the value in full
   * precision, where XGBoost prints it rounded).
   */
  public void logTo(software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient client) {
    logs = client;
  }

  /** Jobs whose request matches write no log stream (as a job whose logs expired or were never delivered). */
  public void noLogsWhen(Predicate<JsonNode> request) {
    unlogged.add(request);
  }

  /**
   * Jobs created from now on whose name matches show their rounds one per {@link #tick}, as a job on SageMaker trains
   * over time: each tick logs one more round (its {@code [n]#011validation-<metric>:<value>} line) and the job stays
   * InProgress until its last round is logged, then ends as it trained. A StopTrainingJob before then ends it Stopped
   * with the rounds logged so far, its training time that share of the full time. Others train as before.
   */
  public void paceRounds(Predicate<String> names) {
    paced = names;
  }

  /** One step of time for paced jobs: each still in progress (trained here, so showing) logs one more round. */
  public void tick() {
    for (Paced p : pacing.values()) {
      synchronized (p) {
        if (p.result != null) { // its container is training: ticks before then are its start-up
          p.allowed++;
          flush(p);
        }
      }
    }
  }

  /** A paced job: what its training produced, shown a round per tick. */
  private static final class Paced {
    final JsonNode request;
    final ObjectNode described;
    int allowed;
    int shown;
    boolean ended;
    List<Double> history;
    Metric metric;
    ObjectNode result;
    String stream;
    long lastTimestamp;

    Paced(JsonNode request, ObjectNode described) {
      this.request = request;
      this.described = described;
    }
  }

  /** Logs the rounds a paced job may show now; ends it as it trained once all are shown. Under the job's lock. */
  private void flush(Paced p) {
    if (p.ended || p.result == null) {
      return;
    }
    int upto = p.history == null ? 0 : Math.min(p.allowed, p.history.size());
    if (upto > p.shown) {
      logRounds(p, p.shown, upto);
      p.shown = upto;
    }
    if (p.history == null || p.shown == p.history.size()) {
      p.ended = true;
      synchronized (p.described) {
        if (!"Stopped".equals(p.described.path("TrainingJobStatus").asText())) {
          p.described.setAll(p.result);
        }
      }
    }
  }

  /** Reports every job's training time as {@code seconds} (for exact cost figures); 0: as measured. */
  public void trainingSeconds(long seconds) {
    fixedSeconds = seconds;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
      JsonNode body = JSON.readTree(ex.getRequestBody());
      String op = target == null ? "" : target.substring(target.indexOf('.') + 1);
      try {
        JsonNode answer = switch (op) {
          case "CreateTrainingJob" -> create(body);
          case "DescribeTrainingJob" -> describe(body.path("TrainingJobName").asText());
          case "StopTrainingJob" -> stopRequested(body.path("TrainingJobName").asText());
          case "CreateHyperParameterTuningJob" -> tuning.create(body);
          case "DescribeHyperParameterTuningJob" -> tuning.describe(body.path("HyperParameterTuningJobName").asText());
          case "ListTrainingJobsForHyperParameterTuningJob" -> tuning.list(body);
          case "StopHyperParameterTuningJob" -> tuning.stop(body.path("HyperParameterTuningJobName").asText());
          default -> throw new Refused("UnknownOperationException", "the stand-in has no " + op);
        };
        send(ex, 200, answer);
      } catch (Refused e) {
        send(ex, 400, JSON.createObjectNode().put("__type", e.type).put("message", e.getMessage()));
      }
    }
  }

  private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static final class Refused extends RuntimeException {
    final String type;

    Refused(String type, String message) {
      super(message);
      this.type = type;
    }
  }

  static RuntimeException invalid(String message) {
    return new Refused("ValidationException", message);
  }

  static RuntimeException notFound(String message) {
    return new Refused("ResourceNotFound", message);
  }

  /** CreateTrainingJob as a tuning job calls it (the same checks, the same training). */
  JsonNode createTraining(JsonNode request) {
    return create(request);
  }

  /** DescribeTrainingJob's answer. */
  JsonNode describeTraining(String name) {
    return describe(name);
  }

  /** StopTrainingJob. */
  void stopTraining(String name) {
    stop(name);
  }

  private JsonNode create(JsonNode r) {
    String name = r.path("TrainingJobName").asText();
    if (!NAME.matcher(name).matches()) {
      throw invalid("TrainingJobName '" + name + "' does not match " + NAME);
    }
    for (String field : List.of("RoleArn", "AlgorithmSpecification", "OutputDataConfig", "ResourceConfig",
        "StoppingCondition")) {
      if (r.path(field).isMissingNode()) {
        throw invalid(field + " is required");
      }
    }
    if (r.path("AlgorithmSpecification").path("TrainingImage").asText().isEmpty()) {
      throw invalid("AlgorithmSpecification.TrainingImage is required");
    }
    long runtime = r.path("StoppingCondition").path("MaxRuntimeInSeconds").asLong(0);
    if (runtime <= 0) {
      throw invalid("StoppingCondition.MaxRuntimeInSeconds is required");
    }
    if (r.path("EnableManagedSpotTraining").asBoolean(false)) {
      long wait = r.path("StoppingCondition").path("MaxWaitTimeInSeconds").asLong(0);
      if (wait < runtime) {
        throw invalid("managed spot training needs MaxWaitTimeInSeconds (" + wait + ") >= MaxRuntimeInSeconds ("
            + runtime + ")");
      }
      if (r.path("CheckpointConfig").path("S3Uri").asText().isEmpty()) {
        throw invalid("managed spot training needs CheckpointConfig.S3Uri");
      }
    }
    r.path("HyperParameters").fields().forEachRemaining(e -> {
      if (!e.getValue().isTextual()) {
        throw invalid("HyperParameters." + e.getKey() + " must be a string");
      }
    });
    ObjectNode d = JSON.createObjectNode();
    d.put("TrainingJobName", name);
    d.put("TrainingJobArn", "arn:aws:sagemaker:us-east-1:000000000000:training-job/" + name);
    d.put("TrainingJobStatus", "InProgress");
    d.put("SecondaryStatus", "Starting");
    d.set("AlgorithmSpecification", r.path("AlgorithmSpecification"));
    d.set("HyperParameters", r.path("HyperParameters"));
    d.set("ResourceConfig", r.path("ResourceConfig"));
    d.set("StoppingCondition", r.path("StoppingCondition"));
    d.put("EnableManagedSpotTraining", r.path("EnableManagedSpotTraining").asBoolean(false));
    if (described.putIfAbsent(name, d) != null) {
      throw invalid("Training job names must be unique within an AWS account and region, and a training job with"
          + " this name already exists (" + name + ")");
    }
    requests.add(r);
    if (paced.test(name)) {
      pacing.put(name, new Paced(r, d));
    }
    jobs.execute(() -> run(r, d));
    return JSON.createObjectNode().put("TrainingJobArn", d.path("TrainingJobArn").asText());
  }

  private JsonNode describe(String name) {
    ObjectNode d = described.get(name);
    if (d == null) {
      throw invalid("Requested resource not found: training job " + name);
    }
    synchronized (d) {
      return d.deepCopy();
    }
  }

  /** StopTrainingJob as SageMaker answers it: only a job in progress can be stopped. */
  private JsonNode stopRequested(String name) {
    ObjectNode d = described.get(name);
    if (d == null) {
      throw invalid("Requested resource not found: training job " + name);
    }
    Paced p = pacing.get(name);
    if (p != null) {
      synchronized (p) {
        String status = d.path("TrainingJobStatus").asText();
        if (!"InProgress".equals(status)) {
          throw invalid("The request was rejected because the training job is in status " + status + ".");
        }
        p.ended = true;
        long full = fixedSeconds > 0 ? fixedSeconds : 1;
        int rounds = p.history == null ? 0 : p.history.size();
        long seconds = rounds == 0 ? 1 : Math.max(1, Math.round(full * (double) p.shown / rounds));
        synchronized (d) {
          d.put("TrainingJobStatus", "Stopped").put("SecondaryStatus", "Stopped")
              .put("TrainingTimeInSeconds", seconds).put("BillableTimeInSeconds",
                  d.path("EnableManagedSpotTraining").asBoolean() ? Math.max(1, Math.round(seconds * SPOT_BILLED))
                      : seconds);
        }
      }
      stops.add(name);
      return JSON.createObjectNode();
    }
    synchronized (d) {
      String status = d.path("TrainingJobStatus").asText();
      if (!"InProgress".equals(status)) {
        throw invalid("The request was rejected because the training job is in status " + status + ".");
      }
    }
    stops.add(name);
    return stop(name);
  }

  private JsonNode stop(String name) {
    ObjectNode d = (ObjectNode) describe(name);
    synchronized (described.get(name)) {
      described.get(name).put("TrainingJobStatus", "Stopped");
    }
    return JSON.createObjectNode();
  }

  /** Trains as SageMaker's XGBoost container: reads the channels, trains, reports metrics, writes model.tar.gz. */
  private void run(JsonNode r, ObjectNode d) {
    long start = System.nanoTime();
    String name = r.path("TrainingJobName").asText();
    ObjectNode result = JSON.createObjectNode();
    try {
      for (var f : failures) {
        if (f.getKey().test(r)) {
          throw new IllegalStateException(f.getValue());
        }
      }
      String image = r.path("AlgorithmSpecification").path("TrainingImage").asText();
      if (commands.containsKey(image)) {
        runScript(r, name, commands.get(image), result);
      } else if (image.contains("sagemaker-xgboost")) {
        runXGBoost(r, name, result);
      } else {
        throw new IllegalStateException("the stand-in runs only SageMaker's XGBoost image or an image a test mapped"
            + " to a command, not " + image);
      }
      result.put("TrainingJobStatus", "Completed");
    } catch (RuntimeException | IOException e) {
      result.put("TrainingJobStatus", "Failed");
      result.put("FailureReason", "AlgorithmError: " + e.getMessage());
    }
    long seconds = fixedSeconds > 0 ? fixedSeconds
        : Math.max(1, (long) Math.ceil((System.nanoTime() - start) / 1e9));
    result.put("TrainingTimeInSeconds", seconds);
    result.put("BillableTimeInSeconds", d.path("EnableManagedSpotTraining").asBoolean()
        ? Math.max(1, Math.round(seconds * SPOT_BILLED)) : seconds);
    result.put("SecondaryStatus", result.path("TrainingJobStatus").asText());
    Paced p = pacing.get(name);
    if (p != null) {
      synchronized (p) {
        p.result = result;
        flush(p);
      }
      return;
    }
    synchronized (d) {
      if (!"Stopped".equals(d.path("TrainingJobStatus").asText())) {
        d.setAll(result);
      }
    }
  }

  /** SageMaker's XGBoost container: reads the channels, trains, logs its rounds, reports metrics, writes the model. */
  private void runXGBoost(JsonNode r, String name, ObjectNode result) throws IOException {
    Map<String, String> hyper = new LinkedHashMap<>();
    r.path("HyperParameters").fields().forEachRemaining(e -> hyper.put(e.getKey(), e.getValue().asText()));
    String metricName = hyper.remove("eval_metric");
    hyper.remove("_tuning_objective_metric"); // what AMT passes to the container; XGBoost's image ignores it
    long seed = Long.parseLong(hyper.getOrDefault("seed", "0"));
    hyper.remove("seed");
    List<float[]> train = channel(r, "train");
    List<float[]> validation = channel(r, "validation");
    if (train.isEmpty()) {
      throw new IllegalStateException("ClientError: the train channel is empty");
    }
    List<float[]> all = new ArrayList<>(train);
    all.addAll(validation);
    TrainingTable table = table(all);
    int[] trainRows = range(0, train.size());
    int[] valRows = range(train.size(), all.size());
    TrainingParams params = TrainingParams.of(hyper);
    Metric metric = Metric.of(metricName);
    XGBoostTrainer trainer = new XGBoostTrainer(1);
    TrainedModel model = trainer.train(table, trainRows, valRows.length == 0 ? null : valRows, params,
        valRows.length == 0 ? null : metric, seed, IntermediateReporter.NONE);
    Paced p = pacing.get(name);
    if (p != null) {
      synchronized (p) {
        p.history = List.copyOf(model.history());
        p.metric = metric;
      }
    } else {
      log(r, name, metric, model.history());
    }
    var metrics = result.putArray("FinalMetricDataList");
    double now = System.currentTimeMillis() / 1000.0;
    metrics.addObject().put("MetricName", "train:" + metric.id())
        .put("Value", trainer.evaluate(model.model(), table, trainRows, params, metric)).put("Timestamp", now);
    if (valRows.length > 0) {
      metrics.addObject().put("MetricName", "validation:" + metric.id())
          .put("Value", trainer.evaluate(model.model(), table, valRows, params, metric)).put("Timestamp", now);
    }
    result.putObject("ModelArtifacts").put("S3ModelArtifacts",
        putModel(r, name, tarGz(Map.of("xgboost-model", model.model()))));
  }

  /** Writes a job's {@code model.tar.gz} at {@code <S3OutputPath><name>/output/}; answers its URI. */
  private String putModel(JsonNode r, String name, byte[] tarGz) {
    String output = r.path("OutputDataConfig").path("S3OutputPath").asText();
    String uri = (output.endsWith("/") ? output : output + "/") + name + "/output/model.tar.gz";
    String rest = uri.substring(5);
    s3.putObject(b -> b.bucket(rest.substring(0, rest.indexOf('/'))).key(rest.substring(rest.indexOf('/') + 1)),
        RequestBody.fromBytes(tarGz));
    return uri;
  }

  /**
   * A script-mode container: {@code command} run under SageMaker's training contract (laid out by
   * {@link ScriptModelTrainer#layout}) in a fresh directory with the job's channels downloaded from S3; its log
   * shipped to CloudWatch Logs, the last value of each MetricDefinition in it reported, its model directory tarred.
   */
  private void runScript(JsonNode r, String name, List<String> command, ObjectNode result) throws IOException {
    Path dir = Files.createTempDirectory("sagemaker-" + name + "-");
    try {
      Map<String, ScriptModelTrainer.ChannelFiles> channels = new LinkedHashMap<>();
      for (JsonNode c : r.path("InputDataConfig")) {
        channels.put(c.path("ChannelName").asText(), data -> download(c, data));
      }
      Map<String, String> hyper = new TreeMap<>();
      r.path("HyperParameters").fields().forEachRemaining(e -> hyper.put(e.getKey(), e.getValue().asText()));
      Map<String, String> env = ScriptModelTrainer.layout(dir, channels, hyper, null);
      Path log = dir.resolve("output/log.txt");
      Process process = ScriptModelTrainer.start(command, null, hyper, env, log);
      long runtime = r.path("StoppingCondition").path("MaxRuntimeInSeconds").asLong();
      try {
        if (!process.waitFor(runtime, TimeUnit.SECONDS)) {
          throw new IllegalStateException("MaxRuntimeExceeded: the job ran past " + runtime + " s");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("the stand-in closed while the job trained");
      } finally {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      logLines(r, name, lines);
      if (process.exitValue() != 0) {
        Path failure = dir.resolve("output/failure");
        throw new IllegalStateException(Files.isRegularFile(failure) ? Files.readString(failure).strip()
            : "the script exited with " + process.exitValue());
      }
      List<ScriptSpec.MetricDefinition> definitions = new ArrayList<>();
      r.path("AlgorithmSpecification").path("MetricDefinitions").forEach(m -> definitions.add(
          new ScriptSpec.MetricDefinition(m.path("Name").asText(), m.path("Regex").asText())));
      var metrics = result.putArray("FinalMetricDataList");
      double now = System.currentTimeMillis() / 1000.0;
      ScriptModelTrainer.metrics(definitions, lines).forEach((metric, values) -> {
        if (!values.isEmpty()) { // SageMaker reports a metric the log never matched as no value at all
          metrics.addObject().put("MetricName", metric).put("Value", values.get(values.size() - 1))
              .put("Timestamp", now);
        }
      });
      Map<String, byte[]> model = new TreeMap<>();
      Path modelDir = dir.resolve("model");
      try (Stream<Path> files = Files.walk(modelDir)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          model.put(modelDir.relativize(f).toString(), Files.readAllBytes(f));
        }
      }
      result.putObject("ModelArtifacts").put("S3ModelArtifacts", putModel(r, name, tarGz(model)));
    } finally {
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** A channel's objects written into {@code data} by their names under its prefix, as File mode downloads them. */
  private void download(JsonNode channel, Path data) throws IOException {
    String uri = channel.path("DataSource").path("S3DataSource").path("S3Uri").asText();
    String rest = uri.substring(5);
    String bucket = rest.substring(0, rest.indexOf('/'));
    String prefix = rest.substring(rest.indexOf('/') + 1);
    for (var o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
      Path file = data.resolve(o.key().substring(prefix.length()));
      Files.createDirectories(file.getParent());
      Files.write(file, s3.getObjectAsBytes(b -> b.bucket(bucket).key(o.key())).asByteArray());
    }
  }

  /** XGBoost's log: a line before training, then one a round. */
  private void log(JsonNode r, String name, Metric metric, List<Double> history) {
    if (history.isEmpty()) {
      return;
    }
    List<String> lines = new ArrayList<>();
    lines.add("[" + Instant.now() + "] INFO - Train matrix has been created");
    for (int round = 0; round < history.size(); round++) {
      lines.add("[" + round + "]#011validation-" + metric.id() + ":" + history.get(round));
    }
    logLines(r, name, lines);
  }

  /** A container's log as its CloudWatch Logs stream: one event a line. */
  private void logLines(JsonNode r, String name, List<String> lines) {
    var client = logs;
    if (client == null || lines.isEmpty() || unlogged.stream().anyMatch(p -> p.test(r))) {
      return;
    }
    long now = System.currentTimeMillis();
    String stream = openStream(client, name, now);
    List<software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent> events = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      events.add(software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent.builder().timestamp(now + i)
          .message(lines.get(i)).build());
    }
    client.putLogEvents(b -> b.logGroupName(LOG_GROUP).logStreamName(stream).logEvents(events));
  }

  /** Creates job {@code name}'s stream {@code <name>/algo-1-<epoch seconds>} (and the log group if missing). */
  private static String openStream(software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient client,
      String name, long now) {
    try {
      client.createLogGroup(b -> b.logGroupName(LOG_GROUP));
    } catch (software.amazon.awssdk.services.cloudwatchlogs.model.ResourceAlreadyExistsException e) {
      // another job's container made it
    }
    String stream = name + "/algo-1-" + now / 1000;
    client.createLogStream(b -> b.logGroupName(LOG_GROUP).logStreamName(stream));
    return stream;
  }

  /** A paced job's rounds {@code from} to {@code to} (exclusive), as its container logs them while it trains. */
  private void logRounds(Paced p, int from, int to) {
    var client = logs;
    if (client == null || unlogged.stream().anyMatch(u -> u.test(p.request))) {
      return;
    }
    if (p.stream == null) {
      long now = System.currentTimeMillis();
      p.stream = openStream(client, p.request.path("TrainingJobName").asText(), now);
      p.lastTimestamp = now - 1;
    }
    List<software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent> events = new ArrayList<>();
    for (int round = from; round < to; round++) {
      p.lastTimestamp = Math.max(System.currentTimeMillis(), p.lastTimestamp + 1);
      events.add(software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent.builder()
          .timestamp(p.lastTimestamp)
          .message("[" + round + "]#011validation-" + p.metric.id() + ":" + p.history.get(round)).build());
    }
    String stream = p.stream;
    client.putLogEvents(b -> b.logGroupName(LOG_GROUP).logStreamName(stream).logEvents(events));
  }

  /** A channel's rows: every object under its S3 prefix, in key order, each line {@code label,f1,f2,…}. */
  private List<float[]> channel(JsonNode r, String channel) {
    List<float[]> rows = new ArrayList<>();
    for (JsonNode c : r.path("InputDataConfig")) {
      if (!c.path("ChannelName").asText().equals(channel)) {
        continue;
      }
      String uri = c.path("DataSource").path("S3DataSource").path("S3Uri").asText();
      String rest = uri.substring(5);
      String bucket = rest.substring(0, rest.indexOf('/'));
      String prefix = rest.substring(rest.indexOf('/') + 1);
      var listing = s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream()
          .map(o -> o.key()).sorted().toList();
      for (String key : listing) {
        String text = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asString(StandardCharsets.US_ASCII);
        for (String line : text.split("\n")) {
          if (line.isBlank()) {
            continue;
          }
          String[] fields = line.split(",", -1);
          float[] row = new float[fields.length];
          for (int i = 0; i < fields.length; i++) {
            row[i] = fields[i].isEmpty() ? Float.NaN : Float.parseFloat(fields[i]);
          }
          rows.add(row);
        }
      }
    }
    return rows;
  }

  private static TrainingTable table(List<float[]> rows) {
    int features = rows.get(0).length - 1;
    float[][] columns = new float[features][rows.size()];
    float[] labels = new float[rows.size()];
    List<String> names = new ArrayList<>();
    for (int f = 0; f < features; f++) {
      names.add("f" + f);
    }
    for (int i = 0; i < rows.size(); i++) {
      labels[i] = rows.get(i)[0];
      for (int f = 0; f < features; f++) {
        columns[f][i] = rows.get(i)[f + 1];
      }
    }
    return new TrainingTable("label", names, columns, labels, null);
  }

  private static int[] range(int from, int to) {
    int[] out = new int[to - from];
    for (int i = 0; i < out.length; i++) {
      out[i] = from + i;
    }
    return out;
  }

  /** {@code files} (a path in the model directory to its bytes) as a model.tar.gz. */
  static byte[] tarGz(Map<String, byte[]> files) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (var tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out))) {
      for (var f : files.entrySet()) {
        TarArchiveEntry e = new TarArchiveEntry(f.getKey());
        e.setSize(f.getValue().length);
        tar.putArchiveEntry(e);
        tar.write(f.getValue());
        tar.closeArchiveEntry();
      }
    }
    return out.toByteArray();
  }

  @Override
  public void close() {
    server.stop(0);
    jobs.shutdownNow();
  }
}
