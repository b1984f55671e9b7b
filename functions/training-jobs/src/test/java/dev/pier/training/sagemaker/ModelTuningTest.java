package dev.pier.training.sagemaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.training.jobs.TrainingJobSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link ModelTuning}'s request for each strategy, and SageMaker's tuned strings read back in the space's types. */
class ModelTuningTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SageMakerRequests REQUESTS = new SageMakerRequests("bucket",
      new SageMakerSettings(SageMakerSettings.XGBOOST_US_EAST_1, 3600));

  private static TrainingJobSpec spec(String tuning, String metric) throws Exception {
    return TrainingJobSpec.parse(JSON.readTree("""
        {"name": "j", "dataset": "d", "label": "y", "metric": "METRIC", "seed": 5,
         "params": {"objective": "reg:squarederror", "num_round": 40},
         "resources": {"instance_type": "ml.m5.xlarge"},
         "tuning": TUNING}
        """.replace("METRIC", metric).replace("TUNING", tuning)));
  }

  @Test
  void hyperbandOnRmseMinimizesWithBoostingRoundsAsItsResource() throws Exception {
    TrainingJobSpec spec = spec("""
        {"service": "sagemaker", "strategy": "hyperband", "max_trials": 12, "parallel": 3,
         "space": {"max_depth": {"type": "int", "low": 2, "high": 64, "log": true},
                   "subsample": {"type": "float", "low": 0.5, "high": 1}}}""", "rmse");
    JsonNode r = ModelTuning.request(REQUESTS, "tj-0123456789abcdef", spec, false, null);
    JsonNode c = r.path("config");
    assertThat(r.path("name").asText()).isEqualTo("tj-0123456789abcdef-amt");
    assertThat(c.path("Strategy").asText()).isEqualTo("Hyperband");
    assertThat(c.path("HyperParameterTuningJobObjective").toString())
        .isEqualTo("{\"Type\":\"Minimize\",\"MetricName\":\"validation:rmse\"}");
    assertThat(c.path("TrainingJobEarlyStoppingType").asText()).isEqualTo("Off");
    assertThat(c.path("StrategyConfig").toString())
        .isEqualTo("{\"HyperbandStrategyConfig\":{\"MinResource\":1,\"MaxResource\":40}}");
    assertThat(c.path("ResourceLimits").toString())
        .isEqualTo("{\"MaxNumberOfTrainingJobs\":12,\"MaxParallelTrainingJobs\":3}");
    assertThat(c.path("ParameterRanges").path("IntegerParameterRanges").toString()).isEqualTo(
        "[{\"Name\":\"max_depth\",\"MinValue\":\"2\",\"MaxValue\":\"64\",\"ScalingType\":\"Logarithmic\"}]");
    assertThat(c.path("ParameterRanges").path("ContinuousParameterRanges").toString()).isEqualTo(
        "[{\"Name\":\"subsample\",\"MinValue\":\"0.5\",\"MaxValue\":\"1\",\"ScalingType\":\"Linear\"}]");
    assertThat(r.path("warm").asBoolean()).isFalse();
    assertThat(r.has("warm_start")).isFalse();
    JsonNode d = r.path("definition");
    assertThat(d.path("hyperparameters").toString()).isEqualTo(
        "{\"eval_metric\":\"rmse\",\"num_round\":\"40\",\"objective\":\"reg:squarederror\",\"seed\":\"5\"}");
    assertThat(d.path("max_runtime").asLong()).isEqualTo(3600);
  }

  @Test
  void gridRunsEveryCombinationAndWarmStartTransfersFromTheEarlierTuningJob() throws Exception {
    TrainingJobSpec grid = spec("""
        {"service": "sagemaker", "strategy": "grid", "max_trials": 4, "parallel": 2,
         "space": {"booster": {"type": "categorical", "choices": ["gbtree", "dart"]},
                   "one_drop": {"type": "categorical", "choices": [true, false]}}}""", "rmse");
    JsonNode c = ModelTuning.request(REQUESTS, "tj-1", grid, false, 600L).path("config");
    assertThat(c.path("ResourceLimits").toString())
        .isEqualTo("{\"MaxParallelTrainingJobs\":2,\"MaxRuntimeInSeconds\":600}");
    assertThat(c.path("ParameterRanges").path("CategoricalParameterRanges").toString()).isEqualTo(
        "[{\"Name\":\"booster\",\"Values\":[\"gbtree\",\"dart\"]},{\"Name\":\"one_drop\",\"Values\":[\"true\",\"false\"]}]");
    assertThat(ModelTuning.params(grid, Map.of("booster", "dart", "one_drop", "false")))
        .containsEntry("booster", "dart").containsEntry("one_drop", false).containsEntry("num_round", 40L);
    assertThatThrownBy(() -> ModelTuning.params(grid, Map.of("booster", "gblinear", "one_drop", "true")))
        .hasMessageContaining("gblinear");

    TrainingJobSpec warm = spec("""
        {"service": "sagemaker", "strategy": "bayesian", "max_trials": 4, "warm_start": "tj-0",
         "early_stopping": "auto",
         "space": {"eta": {"type": "float", "low": 0.01, "high": 0.3, "log": true},
                   "max_depth": {"type": "int", "low": 2, "high": 8}}}""", "auc");
    JsonNode r = ModelTuning.request(REQUESTS, "tj-1", warm, true, null);
    assertThat(r.path("warm").asBoolean()).isTrue();
    assertThat(r.path("warm_start").toString()).isEqualTo("{\"ParentHyperParameterTuningJobs\":"
        + "[{\"HyperParameterTuningJobName\":\"tj-0-amt\"}],\"WarmStartType\":\"TransferLearning\"}");
    assertThat(r.path("config").path("TrainingJobEarlyStoppingType").asText()).isEqualTo("Auto");
    assertThat(r.path("config").path("HyperParameterTuningJobObjective").path("Type").asText()).isEqualTo("Maximize");
    Map<String, Object> params = ModelTuning.params(warm, Map.of("eta", "0.0123", "max_depth", "7"));
    assertThat(params).containsEntry("eta", 0.0123).containsEntry("max_depth", 7L);
  }
}
