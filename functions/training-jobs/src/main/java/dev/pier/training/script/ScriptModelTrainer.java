package dev.pier.training.script;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.training.Split;
import dev.pier.training.TrainingTable;
import dev.pier.training.jobs.ModelTrainer;
import dev.pier.training.sagemaker.SageMakerChannels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.stream.Stream;

/**
 * The workflow's trainer for {@code "algorithm": "script"}: runs the user's command under SageMaker's training
 * contract with {@code /opt/ml} mapped into a working directory of its own per run ({@link #layout}), and reads the
 * job's metric from the command's log by its regex.
 *
 * <ul>
 *   <li>A trial runs the command once per CV fold, with channels {@code train} (the fold's training rows) and
 *       {@code validation} (its held-out rows); the fold's score is the last value of the job's metric in the log.
 *   <li>The refit runs it once with {@code train} (every training row) and {@code test} (the job's holdout); the
 *       last value of the metric in that log is the holdout score, and the model file it leaves in
 *       {@code SM_MODEL_DIR} is the model.
 * </ul>
 *
 * Each channel is one CSV file with a header ({@link SageMakerChannels#csv}, the bytes a script job's SageMaker
 * channel holds): the label column first, then the features, values as the job read them (categorical features as
 * their category numbers). Hyperparameters are the trial's params, as SageMaker
 * passes them: strings in {@code hyperparameters.json}, typed in {@code SM_HPS}, and {@code --name value}
 * arguments after the command (as SageMaker's framework containers do).
 */
public final class ScriptModelTrainer implements ModelTrainer {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Lines of the log quoted in an error. */
  private static final int TAIL = 20;

  private final ScriptSpec spec;
  private final Path work;
  private final long timeoutSeconds;

  /**
   * @param work the job's working directory: each run gets a directory in it
   * @param timeoutSeconds the most one run of the command may take (the job's max_runtime), 0 for no limit
   */
  public ScriptModelTrainer(ScriptSpec spec, Path work, long timeoutSeconds) {
    this.spec = spec;
    this.work = work;
    this.timeoutSeconds = timeoutSeconds;
  }

  @Override
  public void check(Map<String, Object> params, String metric) {
    spec.forMetric(metric);
  }

  @Override
  public boolean classification(Map<String, Object> params) {
    return false;
  }

  @Override
  public CvOutcome crossValidate(TrainingTable table, List<Split> folds, Map<String, Object> params, String metric,
      long seed, Progress progress) {
    List<Double> scores = new ArrayList<>();
    List<List<Double>> reported = new ArrayList<>();
    for (int f = 0; f < folds.size(); f++) {
      Split fold = folds.get(f);
      Map<String, int[]> channels = new LinkedHashMap<>();
      channels.put("train", fold.train());
      channels.put("validation", fold.test());
      Run run = run("fold-" + (f + 1) + "-", table, channels, params, seed);
      List<Double> values = run.values(metric);
      if (values.isEmpty()) {
        throw new IllegalStateException("fold " + (f + 1) + ": the script printed no '" + metric + "' (regex "
            + spec.definition(metric).regex() + ")" + run.tail());
      }
      scores.add(values.get(values.size() - 1));
      reported.add(values);
      progress.round(f, scores.stream().mapToDouble(Double::doubleValue).average().orElseThrow());
    }
    double mean = scores.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    double var = scores.stream().mapToDouble(s -> (s - mean) * (s - mean)).sum() / scores.size();
    int steps = reported.stream().mapToInt(List::size).min().orElse(0);
    List<Double> history = new ArrayList<>();
    for (int i = 0; i < steps; i++) {
      int step = i;
      history.add(reported.stream().mapToDouble(v -> v.get(step)).average().orElseThrow());
    }
    return new CvOutcome(mean, Math.sqrt(var), List.copyOf(scores), history, 0);
  }

  @Override
  public Model fit(TrainingTable table, int[] rows, Map<String, Object> params, int rounds, long seed) {
    return fit(table, rows, null, params, rounds, null, seed);
  }

  @Override
  public Model fit(TrainingTable table, int[] rows, int[] holdout, Map<String, Object> params, int rounds,
      String metric, long seed) {
    Map<String, int[]> channels = new LinkedHashMap<>();
    channels.put("train", rows);
    if (holdout != null) {
      channels.put("test", holdout);
    }
    Run run = run("refit-", table, channels, params, seed);
    Double score = null;
    if (metric != null && holdout != null) {
      List<Double> values = run.values(metric);
      if (values.isEmpty()) {
        throw new IllegalStateException("the script printed no '" + metric + "' for the test channel (regex "
            + spec.definition(metric).regex() + "): the holdout score is read from the refit's log" + run.tail());
      }
      score = values.get(values.size() - 1);
    }
    try {
      byte[] bytes = Files.readAllBytes(run.model());
      return new Model(bytes, sha256(bytes), 0, score);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      run.delete();
    }
  }

  @Override
  public double score(byte[] model, TrainingTable table, int[] rows, Map<String, Object> params, String metric) {
    throw new UnsupportedOperationException("a script's holdout score is read from its refit's log");
  }

  @Override
  public boolean greaterIsBetter(String metric) {
    return spec.forMetric(metric).maximize();
  }

  @Override
  public boolean usesRounds() {
    return false;
  }

  @Override
  public String framework() {
    return spec.framework();
  }

  @Override
  public String extension() {
    if (spec.modelFile() != null && spec.modelFile().contains(".")) {
      return spec.modelFile().substring(spec.modelFile().lastIndexOf('.'));
    }
    return switch (spec.framework()) {
      case "onnx" -> ".onnx";
      case "pytorch" -> ".pt";
      case "xgboost" -> ".ubj";
      default -> ".bin";
    };
  }

  /** The file the script left as its model: {@code model_file}, else the only regular file in the model dir. */
  private Path modelFile(Path dir) {
    if (spec.modelFile() != null) {
      Path f = dir.resolve(spec.modelFile());
      if (!Files.isRegularFile(f)) {
        throw new IllegalStateException("the script wrote no " + spec.modelFile() + " to SM_MODEL_DIR");
      }
      return f;
    }
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> found = files.filter(Files::isRegularFile).sorted().toList();
      if (found.size() != 1) {
        throw new IllegalStateException("the script left " + found.size() + " files in SM_MODEL_DIR "
            + found.stream().map(p -> p.getFileName().toString()).toList()
            + ": name the model with script.model_file");
      }
      return found.get(0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One finished run of the command: its directory and its log. */
  private record Run(Path dir, List<String> log, Map<String, List<Double>> metrics, Path model) {
    void delete() {
      try {
        deleteTree(dir);
      } catch (IOException ignored) {
        // a working directory: the next run of the job starts in a fresh one
      }
    }

    List<Double> values(String metric) {
      return metrics.getOrDefault(metric, List.of());
    }

    String tail() {
      if (log.isEmpty()) {
        return "";
      }
      return "; log ends: " + String.join(" | ", log.subList(Math.max(0, log.size() - 5), log.size()));
    }
  }

  /**
   * Lays out {@code /opt/ml} in a fresh directory under the job's (a run redone after a crash starts clean; parallel
   * trials never share one), runs the command with SageMaker's variables, waits for it, reads its metrics from its log
   * and finds its model file (for a refit). A trial's directory is deleted after the run, a refit's once its model is
   * read.
   */
  private Run run(String name, TrainingTable table, Map<String, int[]> channels, Map<String, Object> params,
      long seed) {
    Path dir;
    try {
      dir = Files.createTempDirectory(Files.createDirectories(work), name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    boolean keep = false;
    try {
      Map<String, ChannelFiles> files = new LinkedHashMap<>();
      channels.forEach((channel, rows) -> files.put(channel, data -> Files.write(data.resolve(channel + ".csv"),
          SageMakerChannels.csv(table, rows, 0, rows.length, true))));
      Map<String, String> env = layout(dir, files, params, seed);
      Path log = dir.resolve("output/log.txt");
      Process process = start(spec.command(), spec.sourceDir(), params, env, log);
      ScriptProcesses.record(dir, process); // a server killed meanwhile: the next one stops it (ScriptProcesses.reap)
      boolean done;
      try {
        done = timeoutSeconds > 0 ? process.waitFor(timeoutSeconds, TimeUnit.SECONDS) : process.waitFor() >= 0;
      } catch (InterruptedException e) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IllegalStateException("the script was interrupted");
      }
      if (!done) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        throw new IllegalStateException("the script ran past max_runtime (" + timeoutSeconds + " s) and was stopped");
      }
      ScriptProcesses.forget(dir);
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      Run run = new Run(dir, lines, metrics(lines), null);
      if (process.exitValue() != 0) {
        Path failure = dir.resolve("output/failure");
        String reason = Files.isRegularFile(failure) ? ": " + Files.readString(failure).strip() : "";
        throw new IllegalStateException("the script exited with " + process.exitValue() + reason + run.tail());
      }
      if (name.startsWith("fold-")) {
        return run; // a trial: everything it gives is in its log
      }
      keep = true;
      return new Run(dir, lines, run.metrics(), modelFile(dir.resolve("model")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (!keep) {
        new Run(dir, List.of(), Map.of(), null).delete();
      }
    }
  }

  /** Every value of every defined metric, in log order; a line may carry several. */
  Map<String, List<Double>> metrics(List<String> lines) {
    return metrics(spec.metricDefinitions(), lines);
  }

  /** Every value of each of {@code definitions} in {@code lines}, in log order, as SageMaker reads them. */
  public static Map<String, List<Double>> metrics(List<ScriptSpec.MetricDefinition> definitions, List<String> lines) {
    Map<String, List<Double>> out = new LinkedHashMap<>();
    for (ScriptSpec.MetricDefinition d : definitions) {
      var pattern = d.pattern();
      List<Double> values = new ArrayList<>();
      for (String line : lines) {
        Matcher m = pattern.matcher(line);
        while (m.find()) {
          try {
            values.add(Double.parseDouble(m.group(1).strip()));
          } catch (NumberFormatException | NullPointerException ignored) {
            // SageMaker skips a match that is not a number
          }
        }
      }
      out.put(d.name(), values);
    }
    return out;
  }

  /**
   * Starts {@code command} as SageMaker's training toolkit runs a script: the params as {@code --name value}
   * arguments after it, in {@code sourceDir} (null: this process's directory), with {@code env} added, its output
   * and errors into {@code log}.
   */
  public static Process start(List<String> command, String sourceDir, Map<String, ?> params, Map<String, String> env,
      Path log) {
    List<String> args = new ArrayList<>(command);
    params.forEach((k, v) -> {
      args.add("--" + k);
      args.add(String.valueOf(v));
    });
    ProcessBuilder pb = new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(log.toFile());
    if (sourceDir != null) {
      pb.directory(Path.of(sourceDir).toFile());
    }
    pb.environment().putAll(env);
    try {
      return pb.start();
    } catch (IOException e) {
      throw new IllegalStateException("the script's command " + command + " could not start: " + e.getMessage());
    }
  }

  /** Writes one channel's files into its directory ({@code input/data/<channel>/}). */
  @FunctionalInterface
  public interface ChannelFiles {
    void write(Path data) throws IOException;
  }

  /**
   * Writes {@code dir} as SageMaker lays out {@code /opt/ml} — {@code input/config/hyperparameters.json},
   * {@code resourceconfig.json}, {@code inputdataconfig.json}, {@code input/data/<channel>/} (its files by
   * {@code channels}), {@code model/}, {@code output/data/} — and answers the {@code SM_*} variables pointing there
   * ({@code PIER_SEED} too unless {@code seed} is null: SageMaker sets no such variable).
   */
  public static Map<String, String> layout(Path dir, Map<String, ChannelFiles> channels, Map<String, ?> params,
      Long seed) throws IOException {
    Path config = Files.createDirectories(dir.resolve("input/config"));
    Path model = Files.createDirectories(dir.resolve("model"));
    Path output = Files.createDirectories(dir.resolve("output"));
    Path outputData = Files.createDirectories(output.resolve("data"));
    Path checkpoints = Files.createDirectories(dir.resolve("checkpoints"));
    ObjectNode hps = JSON.createObjectNode();
    ObjectNode typed = JSON.createObjectNode();
    Map<String, String> env = new TreeMap<>();
    new TreeMap<>(params).forEach((k, v) -> {
      hps.put(k, String.valueOf(v));
      typed.set(k, JSON.valueToTree(v));
      env.put("SM_HP_" + k.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"), String.valueOf(v));
    });
    Files.writeString(config.resolve("hyperparameters.json"), JSON.writeValueAsString(hps));
    ObjectNode resource = JSON.createObjectNode().put("current_host", "algo-1").put("network_interface_name", "lo");
    resource.putArray("hosts").add("algo-1");
    Files.writeString(config.resolve("resourceconfig.json"), JSON.writeValueAsString(resource));
    ObjectNode dataConfig = JSON.createObjectNode();
    var channelNames = JSON.createArrayNode();
    for (Map.Entry<String, ChannelFiles> c : channels.entrySet()) {
      dataConfig.putObject(c.getKey()).put("ContentType", "text/csv").put("TrainingInputMode", "File")
          .put("S3DistributionType", "FullyReplicated").put("RecordWrapperType", "None");
      Path data = Files.createDirectories(dir.resolve("input/data/" + c.getKey()));
      c.getValue().write(data);
      env.put("SM_CHANNEL_" + c.getKey().toUpperCase(Locale.ROOT), data.toString());
      channelNames.add(c.getKey());
    }
    Files.writeString(config.resolve("inputdataconfig.json"), JSON.writeValueAsString(dataConfig));
    env.put("SM_MODEL_DIR", model.toString());
    env.put("SM_CHANNELS", JSON.writeValueAsString(channelNames));
    env.put("SM_HPS", JSON.writeValueAsString(typed));
    env.put("SM_CURRENT_HOST", "algo-1");
    env.put("SM_HOSTS", "[\"algo-1\"]");
    env.put("SM_NUM_CPUS", Integer.toString(Runtime.getRuntime().availableProcessors()));
    env.put("SM_NUM_GPUS", "0");
    env.put("SM_INPUT_DIR", dir.resolve("input").toString());
    env.put("SM_INPUT_CONFIG_DIR", config.toString());
    env.put("SM_INPUT_DATA_CONFIG", JSON.writeValueAsString(dataConfig));
    env.put("SM_RESOURCE_CONFIG", JSON.writeValueAsString(resource));
    env.put("SM_OUTPUT_DIR", output.toString());
    env.put("SM_OUTPUT_DATA_DIR", outputData.toString());
    env.put("SM_CHECKPOINT_DIR", checkpoints.toString());
    if (seed != null) {
      env.put("PIER_SEED", Long.toString(seed));
    }
    env.put("PYTHONUNBUFFERED", "1");
    return env;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
