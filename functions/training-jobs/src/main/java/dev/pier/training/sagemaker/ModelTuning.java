package dev.pier.training.sagemaker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.PierException;
import dev.pier.training.TrainingParams;
import dev.pier.training.jobs.TrainingJobSpec;
import dev.pier.training.tuning.Distribution;
import dev.pier.training.tuning.SearchSpace;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A job's search as one SageMaker Automatic Model Tuning (AMT) hyperparameter tuning job instead of Pier's own trials:
 * {@code "tuning": {"service": "sagemaker", "strategy": "bayesian|hyperband|random|grid", "space": …, "max_trials",
 * "parallel", "early_stopping": "auto|off", "warm_start": "<an earlier AMT job's id>"}}. {@link #check} refuses (a 400
 * naming the field, before anything runs) what AMT cannot do; {@link #request} builds the input of training.asl.json's
 * tuning states from the same training-job definition {@link SageMakerRequests} builds for Pier's own SageMaker trials.
 *
 * <p>The space maps exactly: {@code int} → {@code IntegerParameterRanges}, {@code float} →
 * {@code ContinuousParameterRanges}, {@code categorical} → {@code CategoricalParameterRanges} (values as strings), with
 * {@code ScalingType} {@code Logarithmic} where {@code log}, else {@code Linear}. The objective is SageMaker XGBoost's
 * {@code validation:<metric>}, maximized or minimized as Pier's metric is. AMT scores one validation channel: the
 * job's holdout rows ({@code refit/validation}), the training rows being {@code refit/train}.
 */
public final class ModelTuning {
  /** {@code tuning.service}'s value that asks for AMT. */
  public static final String SERVICE = "sagemaker";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> OPTIONS = Set.of("service", "early_stopping", "warm_start");
  private static final Map<String, String> STRATEGIES = Map.of("bayesian", "Bayesian", "hyperband", "Hyperband",
      "random", "Random", "grid", "Grid");
  /** Pier's metrics SageMaker's XGBoost reports as {@code validation:<metric>} and AMT can take as its objective. */
  static final Set<String> OBJECTIVES = Set.of("auc", "aucpr", "logloss", "accuracy", "error", "mlogloss", "merror",
      "rmse", "mae", "ndcg");
  /** AMT's most training jobs in one tuning job (its documented quota) and its most hyperparameters. */
  static final int MAX_TRAINING_JOBS = 750;
  static final int MAX_PARAMETERS = 30;
  static final int MAX_CATEGORICAL_VALUES = 30;
  /** ResourceLimits.MaxRuntimeInSeconds' least value. */
  static final long MIN_TUNING_RUNTIME = 120;

  private ModelTuning() {}

  /** Whether {@code tuning} asks for AMT ({@code "service": "sagemaker"}). */
  public static boolean requested(TrainingJobSpec.Tuning tuning) {
    return tuning != null && tuning.options() != null
        && SERVICE.equals(tuning.options().path("service").asText(null));
  }

  /** Whether {@code spec}'s search runs as an AMT tuning job. */
  public static boolean requested(TrainingJobSpec spec) {
    return spec != null && requested(spec.tuning());
  }

  /** The tuning job's name for Pier job {@code jobId}: {@code <job>-amt} (AMT allows 32 characters). */
  public static String name(String jobId) {
    String name = jobId + "-amt";
    if (name.length() > 32) {
      throw new IllegalArgumentException("tuning job name too long for SageMaker (32): " + name);
    }
    return name;
  }

  /**
   * A 400 naming the field for what AMT cannot do: no SageMaker here, a script job, an unknown option, Pier's pruner or
   * early-stopping settings, a strategy AMT lacks or a strategy/space combination it refuses (grid needs every
   * parameter categorical; hyperband takes no early_stopping and no warm start; warm start needs bayesian or random),
   * a space type or option AMT lacks ({@code step}), a metric SageMaker's XGBoost does not report as an objective, and
   * limits past AMT's. {@code cv} is refused when the body is parsed ({@link TrainingJobSpec}).
   *
   * @param maximize whether the job's metric is better higher
   * @param warmStartJob an earlier job's spec by id (null: none such), for {@code warm_start}
   */
  public static void check(TrainingJobSpec spec, String metric, boolean onSageMaker,
      java.util.function.Function<String, java.util.Optional<TrainingJobSpec>> warmStartJob) {
    TrainingJobSpec.Tuning tuning = spec.tuning();
    if (!onSageMaker) {
      throw PierException.badRequest("tuning.service sagemaker runs SageMaker Automatic Model Tuning: this server"
          + " trains in the worker, not on SageMaker (AWS mode); leave tuning.service out for Pier's own search");
    }
    if (spec.scriptMode()) {
      throw PierException.badRequest("tuning.service sagemaker tunes the built-in XGBoost (algorithm xgboost) only,"
          + " not algorithm script");
    }
    JsonNode options = tuning.options();
    for (var it = options.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (field.equals("pruner")) {
        throw PierException.badRequest("tuning.pruner is Pier's own search's: SageMaker Automatic Model Tuning has"
            + " no pruner (use tuning.early_stopping \"auto\", or strategy hyperband)");
      }
      if (!OPTIONS.contains(field)) {
        throw PierException.badRequest("tuning." + field + " is not an option of SageMaker Automatic Model Tuning"
            + " (options: service, early_stopping, warm_start)");
      }
    }
    String strategy = tuning.strategy();
    if (!STRATEGIES.containsKey(strategy)) {
      throw PierException.badRequest("tuning.strategy '" + strategy + "': SageMaker Automatic Model Tuning takes"
          + " bayesian, hyperband, random or grid (tpe is Pier's own search and its default when none is given)");
    }
    JsonNode early = options.get("early_stopping");
    if (early != null && !early.isNull()) {
      if (!early.isTextual() || !Set.of("auto", "off").contains(early.asText().toLowerCase(Locale.ROOT))) {
        throw PierException.badRequest("tuning.early_stopping with tuning.service sagemaker is \"auto\" or \"off\""
            + " (SageMaker's TrainingJobEarlyStoppingType), not " + early);
      }
      if (strategy.equals("hyperband") && early.asText().equalsIgnoreCase("auto")) {
        throw PierException.badRequest("tuning.early_stopping \"auto\" cannot be used with strategy hyperband:"
            + " Hyperband stops training jobs early itself (SageMaker needs TrainingJobEarlyStoppingType OFF)");
      }
    }
    JsonNode warm = options.get("warm_start");
    if (warm != null && !warm.isNull()) {
      if (!strategy.equals("bayesian") && !strategy.equals("random")) {
        throw PierException.badRequest("tuning.warm_start: SageMaker warm-starts only bayesian and random tuning,"
            + " not " + strategy);
      }
      var earlier = warm.isTextual() ? warmStartJob.apply(warm.asText()) : java.util.Optional.<TrainingJobSpec>empty();
      if (earlier.isEmpty()) {
        throw PierException.badRequest("tuning.warm_start names no training job: " + warm);
      }
      if (!requested(earlier.get())) {
        throw PierException.badRequest("tuning.warm_start: training job " + warm.asText() + " ran Pier's own search;"
            + " SageMaker warm-starts only from an earlier SageMaker tuning job (a job with tuning.service sagemaker)");
      }
    }
    SearchSpace space = space(tuning);
    if (space.params().size() > MAX_PARAMETERS) {
      throw PierException.badRequest("tuning.space has " + space.params().size() + " parameters: SageMaker Automatic"
          + " Model Tuning searches at most " + MAX_PARAMETERS);
    }
    for (var e : space.params().entrySet()) {
      String at = "tuning.space." + e.getKey();
      JsonNode given = tuning.space().path(e.getKey());
      if (given.has("step")) {
        throw PierException.badRequest(at + ".step: SageMaker Automatic Model Tuning has no stepped ranges");
      }
      if (e.getValue() instanceof Distribution.Categorical c && c.choices().size() > MAX_CATEGORICAL_VALUES) {
        throw PierException.badRequest(at + ".choices: SageMaker takes at most " + MAX_CATEGORICAL_VALUES
            + " values for a categorical parameter, not " + c.choices().size());
      }
      if (strategy.equals("grid") && !(e.getValue() instanceof Distribution.Categorical)) {
        throw PierException.badRequest(at + ": grid search on SageMaker needs every parameter categorical (list"
            + " its values as {\"type\": \"categorical\", \"choices\": […]})");
      }
      if (e.getKey().equals("eval_metric") || e.getKey().equals("seed")) {
        throw PierException.badRequest(at + ": " + e.getKey() + " is set by the job, not searched");
      }
    }
    if (metric == null || !OBJECTIVES.contains(metric)) {
      throw PierException.badRequest("metric '" + metric + "' cannot be SageMaker Automatic Model Tuning's objective:"
          + " SageMaker's XGBoost reports validation:<metric> for " + new java.util.TreeSet<>(OBJECTIVES));
    }
    if (spec.resources() != null && spec.resources().maxCostUsd() > 0) {
      throw PierException.badRequest("resources.max_cost_usd: a SageMaker tuning job cannot be stopped on cost; bound"
          + " it with tuning.max_trials and resources.max_runtime (which also bounds the tuning job as a whole)");
    }
    if (tuning.maxTrials() > MAX_TRAINING_JOBS) {
      throw PierException.badRequest("tuning.max_trials " + tuning.maxTrials() + " is more than SageMaker's "
          + MAX_TRAINING_JOBS + " training jobs per tuning job");
    }
    if (tuning.parallel() > tuning.maxTrials()) {
      throw PierException.badRequest("tuning.parallel " + tuning.parallel() + " is more than tuning.max_trials "
          + tuning.maxTrials() + " (SageMaker's MaxParallelTrainingJobs may not exceed MaxNumberOfTrainingJobs)");
    }
  }

  @SuppressWarnings("unchecked")
  static SearchSpace space(TrainingJobSpec.Tuning tuning) {
    return SearchSpace.parse(JSON.convertValue(tuning.space(), Map.class));
  }

  /**
   * The tuning states' input: {@code name}, {@code config} (HyperParameterTuningJobConfig) and {@code definition}
   * (SageMakerRequests' training input — image, static hyperparameters, the refit channels, instances, spot, stopping
   * condition — with the parameter ranges), and {@code warm_start} (WarmStartConfig, or absent).
   *
   * @param maximize whether the job's metric is better higher
   * @param secondsLeft what is left of the job's max_runtime (null: none)
   */
  public static ObjectNode request(SageMakerRequests requests, String jobId, TrainingJobSpec spec, boolean maximize,
      Long secondsLeft) {
    TrainingJobSpec.Tuning tuning = spec.tuning();
    SearchSpace space = space(tuning);
    Map<String, Object> statics = new TreeMap<>(spec.params());
    statics.putIfAbsent("num_round", TrainingParams.of(statics).numRound());
    statics.put("eval_metric", spec.metric());
    statics.put("seed", spec.seed());
    space.params().keySet().forEach(statics::remove);
    Map<String, String> channels = new LinkedHashMap<>();
    channels.put("train", "refit");
    channels.put("validation", "refit");
    ObjectNode definition = requests.training(jobId, spec, name(jobId), statics, channels, secondsLeft);
    ObjectNode ranges = JSON.createObjectNode();
    ArrayNode ints = ranges.putArray("IntegerParameterRanges");
    ArrayNode floats = ranges.putArray("ContinuousParameterRanges");
    ArrayNode categories = ranges.putArray("CategoricalParameterRanges");
    for (var e : space.params().entrySet()) {
      switch (e.getValue()) {
        case Distribution.IntRange r -> ints.addObject().put("Name", e.getKey())
            .put("MinValue", Long.toString(r.low())).put("MaxValue", Long.toString(r.high()))
            .put("ScalingType", r.log() ? "Logarithmic" : "Linear");
        case Distribution.FloatRange r -> floats.addObject().put("Name", e.getKey())
            .put("MinValue", number(r.low())).put("MaxValue", number(r.high()))
            .put("ScalingType", r.log() ? "Logarithmic" : "Linear");
        case Distribution.Categorical c -> {
          ArrayNode values = categories.addObject().put("Name", e.getKey()).putArray("Values");
          c.choices().forEach(v -> values.add(String.valueOf(v)));
        }
      }
    }
    ObjectNode out = JSON.createObjectNode();
    out.put("name", name(jobId));
    ObjectNode config = out.putObject("config");
    String strategy = STRATEGIES.get(tuning.strategy());
    config.put("Strategy", strategy);
    config.putObject("HyperParameterTuningJobObjective").put("Type", maximize ? "Maximize" : "Minimize")
        .put("MetricName", SageMakerRequests.metricName(spec, "validation", spec.metric()));
    ObjectNode limits = config.putObject("ResourceLimits");
    if (!strategy.equals("Grid")) { // grid runs every combination of its categorical values
      limits.put("MaxNumberOfTrainingJobs", tuning.maxTrials());
    }
    limits.put("MaxParallelTrainingJobs", tuning.parallel());
    if (secondsLeft != null) { // the job's max_runtime bounds the tuning job as a whole (AMT's least is 120 s)
      limits.put("MaxRuntimeInSeconds", Math.max(MIN_TUNING_RUNTIME, secondsLeft));
    }
    config.set("ParameterRanges", ranges);
    String early = tuning.options().path("early_stopping").asText("off");
    config.put("TrainingJobEarlyStoppingType", early.equalsIgnoreCase("auto") ? "Auto" : "Off");
    config.put("RandomSeed", Math.floorMod(spec.seed(), Integer.MAX_VALUE));
    if (strategy.equals("Hyperband")) { // its resource is XGBoost's boosting rounds
      config.putObject("StrategyConfig").putObject("HyperbandStrategyConfig").put("MinResource", 1)
          .put("MaxResource", TrainingParams.of(spec.params()).numRound());
    }
    out.set("definition", definition);
    JsonNode warm = tuning.options().get("warm_start");
    if (warm != null && warm.isTextual()) {
      ObjectNode w = out.putObject("warm_start");
      w.putArray("ParentHyperParameterTuningJobs").addObject()
          .put("HyperParameterTuningJobName", name(warm.asText()));
      w.put("WarmStartType", "TransferLearning"); // the dataset version may differ between the two jobs
    }
    out.put("warm", warm != null && warm.isTextual());
    return out;
  }

  /** A tuned value as SageMaker reported it (a string) in the type of the space's parameter. */
  public static Object value(Distribution d, String text) {
    return switch (d) {
      case Distribution.IntRange r -> Long.parseLong(text.contains(".") ? text.substring(0, text.indexOf('.')) : text);
      case Distribution.FloatRange r -> Double.parseDouble(text);
      case Distribution.Categorical c -> c.choices().stream().filter(v -> String.valueOf(v).equals(text)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("SageMaker tuned a value '" + text + "' that is not one of "
              + c.choices()));
    };
  }

  /** The params a tuned training job trained: the job's params with SageMaker's tuned values in the space's types. */
  public static Map<String, Object> params(TrainingJobSpec spec, Map<String, String> tuned) {
    SearchSpace space = space(spec.tuning());
    Map<String, Object> out = new TreeMap<>(spec.params());
    for (var e : space.params().entrySet()) {
      String text = tuned.get(e.getKey());
      if (text == null) {
        throw new IllegalArgumentException("SageMaker reported no tuned value of " + e.getKey());
      }
      out.put(e.getKey(), value(e.getValue(), text));
    }
    return out;
  }

  private static String number(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }
}
