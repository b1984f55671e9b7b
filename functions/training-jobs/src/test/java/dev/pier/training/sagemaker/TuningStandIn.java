package dev.pier.training.sagemaker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * SageMaker Automatic Model Tuning for {@link SageMakerTrainingStandIn} (test-only):
 * {@code CreateHyperParameterTuningJob} runs {@code MaxNumberOfTrainingJobs} training jobs (random search over the
 * ranges, seeded by {@code RandomSeed}; at most {@code MaxParallelTrainingJobs} at once) through the stand-in's own
 * CreateTrainingJob — the same checks and the same XGBoost training — named {@code <tuning>-<NNN>-<8 hex>} as SageMaker
 * names them, with the static hyperparameters, the sampled ones and {@code _tuning_objective_metric}; then reports the
 * best completed one by the objective ({@code BestTrainingJob}; ties: the first). {@code DescribeHyperParameterTuningJob},
 * {@code ListTrainingJobsForHyperParameterTuningJob} (sorted, paged by MaxResults/NextToken) and
 * {@code StopHyperParameterTuningJob} as SageMaker answers them. It refuses what SageMaker refuses that Pier could send
 * wrongly: a name over 32 characters or used before, grid with a non-categorical range, Hyperband with early stopping,
 * parallel above the maximum. Other strategies than random are run as random search (the stand-in models no Bayesian
 * optimizer); early stopping {@code Auto} stops nothing by itself ({@link #stopEarly} makes it stop chosen jobs).
 */
public final class TuningStandIn {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$");

  private final SageMakerTrainingStandIn sagemaker;
  private final Map<String, ObjectNode> described = new ConcurrentHashMap<>();
  private final Map<String, List<ObjectNode>> summaries = new ConcurrentHashMap<>();
  /** Every CreateHyperParameterTuningJob request accepted, in order. */
  public final List<JsonNode> requests = new CopyOnWriteArrayList<>();
  /** The most training jobs of one tuning job seen in progress at once, by tuning job. */
  public final Map<String, Integer> mostAtOnce = new ConcurrentHashMap<>();

  private final List<java.util.function.Predicate<String>> earlyStops = new CopyOnWriteArrayList<>();

  /**
   * Training jobs whose name matches end Stopped, as AMT's early stopping leaves a job it judged unpromising (its
   * metrics so far kept); the stand-in has no early-stopping rule of its own.
   */
  public void stopEarly(java.util.function.Predicate<String> name) {
    earlyStops.add(name);
  }

  TuningStandIn(SageMakerTrainingStandIn sagemaker) {
    this.sagemaker = sagemaker;
  }

  JsonNode create(JsonNode r) {
    String name = r.path("HyperParameterTuningJobName").asText();
    if (!NAME.matcher(name).matches()) {
      throw SageMakerTrainingStandIn.invalid("HyperParameterTuningJobName '" + name + "' does not match " + NAME);
    }
    JsonNode config = r.path("HyperParameterTuningJobConfig");
    String strategy = config.path("Strategy").asText();
    if (!List.of("Bayesian", "Random", "Hyperband", "Grid").contains(strategy)) {
      throw SageMakerTrainingStandIn.invalid("Strategy '" + strategy + "' is not one of Bayesian|Random|Hyperband|Grid");
    }
    JsonNode ranges = config.path("ParameterRanges");
    if (strategy.equals("Grid") && (ranges.path("IntegerParameterRanges").size() > 0
        || ranges.path("ContinuousParameterRanges").size() > 0)) {
      throw SageMakerTrainingStandIn.invalid("Grid search needs all parameter ranges categorical");
    }
    if (strategy.equals("Hyperband") && "Auto".equals(config.path("TrainingJobEarlyStoppingType").asText())) {
      throw SageMakerTrainingStandIn.invalid("TrainingJobEarlyStoppingType must be Off with Hyperband");
    }
    JsonNode limits = config.path("ResourceLimits");
    int max = limits.path("MaxNumberOfTrainingJobs").asInt(strategy.equals("Grid") ? combinations(ranges) : 0);
    int parallel = limits.path("MaxParallelTrainingJobs").asInt(0);
    if (max < 1 || parallel < 1 || parallel > max) {
      throw SageMakerTrainingStandIn.invalid("ResourceLimits: MaxParallelTrainingJobs (" + parallel
          + ") must be 1 to MaxNumberOfTrainingJobs (" + max + ")");
    }
    JsonNode objective = config.path("HyperParameterTuningJobObjective");
    if (objective.path("MetricName").asText().isEmpty()) {
      throw SageMakerTrainingStandIn.invalid("HyperParameterTuningJobObjective.MetricName is required");
    }
    ObjectNode d = JSON.createObjectNode();
    d.put("HyperParameterTuningJobName", name);
    d.put("HyperParameterTuningJobArn", "arn:aws:sagemaker:us-east-1:000000000000:hyper-parameter-tuning-job/"
        + name.toLowerCase(java.util.Locale.ROOT));
    d.set("HyperParameterTuningJobConfig", config);
    d.set("TrainingJobDefinition", r.path("TrainingJobDefinition"));
    d.put("HyperParameterTuningJobStatus", "InProgress");
    if (described.putIfAbsent(name, d) != null) {
      throw SageMakerTrainingStandIn.invalid("ResourceInUse: tuning job " + name + " already exists");
    }
    summaries.put(name, new CopyOnWriteArrayList<>());
    requests.add(r);
    Thread driver = new Thread(() -> drive(name, r, max, parallel), "tuning-" + name);
    driver.setDaemon(true);
    driver.start();
    return JSON.createObjectNode().put("HyperParameterTuningJobArn", d.path("HyperParameterTuningJobArn").asText());
  }

  JsonNode describe(String name) {
    ObjectNode d = described.get(name);
    if (d == null) {
      throw SageMakerTrainingStandIn.notFound("Amazon SageMaker can't find a tuning job with name " + name);
    }
    synchronized (d) {
      return d.deepCopy();
    }
  }

  JsonNode list(JsonNode r) {
    String name = r.path("HyperParameterTuningJobName").asText();
    describe(name);
    List<ObjectNode> all = new ArrayList<>();
    for (ObjectNode s : summaries.get(name)) {
      all.add(summary(s));
    }
    boolean descending = "Descending".equals(r.path("SortOrder").asText("Ascending"));
    all.sort((a, b) -> {
      int c = Double.compare(a.path("CreationTime").asDouble(), b.path("CreationTime").asDouble());
      c = c != 0 ? c : a.path("TrainingJobName").asText().compareTo(b.path("TrainingJobName").asText());
      return descending ? -c : c;
    });
    int from = r.hasNonNull("NextToken") ? Integer.parseInt(r.path("NextToken").asText()) : 0;
    int size = r.path("MaxResults").asInt(10);
    ObjectNode out = JSON.createObjectNode();
    ArrayNode page = out.putArray("TrainingJobSummaries");
    all.subList(Math.min(from, all.size()), Math.min(from + size, all.size())).forEach(page::add);
    if (from + size < all.size()) {
      out.put("NextToken", Integer.toString(from + size));
    }
    return out;
  }

  JsonNode stop(String name) {
    ObjectNode d = (ObjectNode) describe(name);
    synchronized (described.get(name)) {
      described.get(name).put("HyperParameterTuningJobStatus", "Stopping");
    }
    for (ObjectNode s : summaries.get(name)) {
      String job = s.path("TrainingJobName").asText();
      if ("InProgress".equals(sagemaker.describeTraining(job).path("TrainingJobStatus").asText())) {
        sagemaker.stopTraining(job);
      }
    }
    return JSON.createObjectNode();
  }

  /** A training job's summary as ListTrainingJobsForHyperParameterTuningJob gives it, from its description now. */
  private ObjectNode summary(ObjectNode s) {
    ObjectNode out = s.deepCopy();
    JsonNode d = sagemaker.describeTraining(s.path("TrainingJobName").asText());
    out.put("TrainingJobStatus", d.path("TrainingJobStatus").asText());
    if (d.has("FailureReason")) {
      out.put("FailureReason", d.path("FailureReason").asText());
    }
    Double value = objective(s.path("objective").asText(), d);
    if (value != null && "Completed".equals(d.path("TrainingJobStatus").asText())) {
      out.putObject("FinalHyperParameterTuningJobObjectiveMetric").put("MetricName", s.path("objective").asText())
          .put("Value", value);
    }
    out.remove("objective");
    return out;
  }

  private static Double objective(String metric, JsonNode training) {
    for (JsonNode m : training.path("FinalMetricDataList")) {
      if (m.path("MetricName").asText().equals(metric)) {
        return m.path("Value").asDouble();
      }
    }
    return null;
  }

  /** Runs the tuning job's training jobs, at most {@code parallel} at once, then reports the best. */
  private void drive(String name, JsonNode r, int max, int parallel) {
    JsonNode config = r.path("HyperParameterTuningJobConfig");
    JsonNode definition = r.path("TrainingJobDefinition");
    String metric = config.path("HyperParameterTuningJobObjective").path("MetricName").asText();
    boolean maximize = "Maximize".equals(config.path("HyperParameterTuningJobObjective").path("Type").asText());
    Random random = new Random(config.path("RandomSeed").asLong(name.hashCode()));
    List<String> started = new ArrayList<>();
    try {
      for (int i = 1; i <= max; i++) {
        while (running(started) >= parallel) {
          if (stopping(name)) {
            break;
          }
          Thread.sleep(5);
        }
        if (stopping(name)) {
          break;
        }
        String job = name + "-" + String.format("%03d", i) + "-" + HexFormat.of().toHexDigits(random.nextInt());
        ObjectNode tuned = sample(config.path("ParameterRanges"), random);
        ObjectNode training = definition.deepCopy();
        training.remove("StaticHyperParameters");
        training.put("TrainingJobName", job);
        ObjectNode hyper = training.putObject("HyperParameters");
        hyper.setAll((ObjectNode) definition.path("StaticHyperParameters").deepCopy());
        hyper.setAll(tuned.deepCopy());
        hyper.put("_tuning_objective_metric", metric);
        ObjectNode summary = JSON.createObjectNode().put("TrainingJobName", job)
            .put("TrainingJobArn", "arn:aws:sagemaker:us-east-1:000000000000:training-job/" + job)
            .put("CreationTime", System.currentTimeMillis() / 1000.0).put("TuningJobName", name)
            .put("objective", metric);
        summary.set("TunedHyperParameters", tuned);
        sagemaker.createTraining(training);
        summaries.get(name).add(summary);
        started.add(job);
        mostAtOnce.merge(name, running(started), Math::max);
      }
      while (running(started) > 0) {
        Thread.sleep(5);
      }
      for (String job : started) {
        if (earlyStops.stream().anyMatch(p -> p.test(job))) {
          sagemaker.stopTraining(job);
        }
      }
      String best = null;
      double top = 0;
      int completed = 0;
      int failed = 0;
      int stopped = 0;
      for (String job : started) {
        JsonNode d = sagemaker.describeTraining(job);
        switch (d.path("TrainingJobStatus").asText()) {
          case "Completed" -> completed++;
          case "Stopped" -> stopped++;
          default -> failed++;
        }
        Double v = objective(metric, d);
        if ("Completed".equals(d.path("TrainingJobStatus").asText()) && v != null
            && (best == null || (maximize ? v > top : v < top))) {
          best = job;
          top = v;
        }
      }
      ObjectNode d = described.get(name);
      synchronized (d) {
        d.putObject("TrainingJobStatusCounters").put("Completed", completed).put("NonRetryableError", failed)
            .put("Stopped", stopped).put("InProgress", 0).put("RetryableError", 0);
        if (best != null) {
          String winner = best;
          ObjectNode b = d.putObject("BestTrainingJob").put("TrainingJobName", best)
              .put("TrainingJobStatus", "Completed");
          summaries.get(name).stream().filter(s -> s.path("TrainingJobName").asText().equals(winner)).findFirst()
              .ifPresent(s -> b.set("TunedHyperParameters", s.path("TunedHyperParameters")));
          b.putObject("FinalHyperParameterTuningJobObjectiveMetric").put("MetricName", metric).put("Value", top);
        }
        if (stopping(name)) {
          d.put("HyperParameterTuningJobStatus", "Stopped");
        } else if (best == null) {
          d.put("HyperParameterTuningJobStatus", "Failed");
          d.put("FailureReason", "All training jobs failed");
        } else {
          d.put("HyperParameterTuningJobStatus", "Completed");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      ObjectNode d = described.get(name);
      synchronized (d) {
        d.put("HyperParameterTuningJobStatus", "Failed");
        d.put("FailureReason", "ClientError: " + e.getMessage());
      }
    }
  }

  private boolean stopping(String name) {
    return "Stopping".equals(described.get(name).path("HyperParameterTuningJobStatus").asText());
  }

  private int running(List<String> jobs) {
    int n = 0;
    for (String job : jobs) {
      if ("InProgress".equals(sagemaker.describeTraining(job).path("TrainingJobStatus").asText())) {
        n++;
      }
    }
    return n;
  }

  /** Random search: a value from each range (log-uniform where Logarithmic), as SageMaker passes it (a string). */
  private static ObjectNode sample(JsonNode ranges, Random random) {
    ObjectNode out = JSON.createObjectNode();
    for (JsonNode r : ranges.path("IntegerParameterRanges")) {
      long lo = Long.parseLong(r.path("MinValue").asText());
      long hi = Long.parseLong(r.path("MaxValue").asText());
      long v = "Logarithmic".equals(r.path("ScalingType").asText())
          ? Math.min(hi, Math.max(lo, Math.round(Math.exp(Math.log(lo) + random.nextDouble()
              * (Math.log(hi) - Math.log(lo))))))
          : lo + (long) Math.floor(random.nextDouble() * (hi - lo + 1));
      out.put(r.path("Name").asText(), Long.toString(v));
    }
    for (JsonNode r : ranges.path("ContinuousParameterRanges")) {
      double lo = Double.parseDouble(r.path("MinValue").asText());
      double hi = Double.parseDouble(r.path("MaxValue").asText());
      double v = "Logarithmic".equals(r.path("ScalingType").asText())
          ? Math.exp(Math.log(lo) + random.nextDouble() * (Math.log(hi) - Math.log(lo)))
          : lo + random.nextDouble() * (hi - lo);
      out.put(r.path("Name").asText(), Double.toString(v));
    }
    for (JsonNode r : ranges.path("CategoricalParameterRanges")) {
      JsonNode values = r.path("Values");
      out.put(r.path("Name").asText(), values.get(random.nextInt(values.size())).asText());
    }
    return out;
  }

  private static int combinations(JsonNode ranges) {
    int n = 1;
    for (JsonNode r : ranges.path("CategoricalParameterRanges")) {
      n *= r.path("Values").size();
    }
    return n;
  }
}
