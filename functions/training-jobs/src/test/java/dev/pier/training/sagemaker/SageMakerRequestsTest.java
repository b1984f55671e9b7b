package dev.pier.training.sagemaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.training.jobs.TrainingJobSpec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;

/** What one SageMaker training job is asked for, for the built-in XGBoost and a script; the refit's model archive. */
class SageMakerRequestsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SageMakerRequests REQUESTS = new SageMakerRequests("pier-batch",
      new SageMakerSettings("123.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1", 86_400));

  private static TrainingJobSpec spec(String extra) throws Exception {
    return TrainingJobSpec.parse(JSON.readTree("""
        {"name": "r", "dataset": {"uri": "s3://pier-batch/d.csv", "label": "y"}, "metric": "auc",
         "params": {"objective": "binary:logistic", "num_round": 5}EXTRA}
        """.replace("EXTRA", extra)));
  }

  private static Map<String, String> channels(String set, String... names) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String n : names) {
      out.put(n, set);
    }
    return out;
  }

  @Test
  void anXGBoostTrainingOnSpotShardsItsTrainingChannelAndWaitsTwiceItsRuntime() throws Exception {
    TrainingJobSpec spec = spec(", \"resources\": {\"instance_type\": \"ml.m5.xlarge\", \"instance_count\": 3,"
        + " \"spot\": true, \"max_runtime\": \"2h\"}");
    Map<String, Object> hyper = new TreeMap<>(Map.of("eta", 0.1, "num_round", 5, "max_depth", 4.0,
        "objective", "binary:logistic"));
    JsonNode r = REQUESTS.training("tj-1", spec, SageMakerRequests.name("tj-1", "t0-f1-x"), hyper,
        channels("fold-1", "train", "validation"));
    assertThat(r.path("image").asText()).endsWith("sagemaker-xgboost:1.7-1");
    assertThat(r.path("name").asText()).isEqualTo("tj-1-t0-f1-x");
    assertThat(r.path("hyperparameters").path("eta").asText()).isEqualTo("0.1");
    assertThat(r.path("hyperparameters").path("max_depth").asText()).isEqualTo("4"); // not "4.0"
    assertThat(r.path("hyperparameters").path("num_round").asText()).isEqualTo("5");
    r.path("hyperparameters").forEach(v -> assertThat(v.isTextual()).isTrue());
    JsonNode train = r.path("channels").get(0);
    assertThat(train.path("ChannelName").asText()).isEqualTo("train");
    assertThat(train.at("/DataSource/S3DataSource/S3Uri").asText())
        .isEqualTo("s3://pier-batch/training/tj-1/channels/fold-1/train/");
    assertThat(train.at("/DataSource/S3DataSource/S3DataDistributionType").asText()).isEqualTo("ShardedByS3Key");
    assertThat(r.path("channels").get(1).at("/DataSource/S3DataSource/S3DataDistributionType").asText())
        .isEqualTo("FullyReplicated");
    assertThat(r.path("metric_definitions")).isEmpty(); // the XGBoost image reports validation:auc itself
    assertThat(r.path("instance_count").asInt()).isEqualTo(3);
    assertThat(r.path("spot").asBoolean()).isTrue();
    assertThat(r.path("max_runtime").asLong()).isEqualTo(7200);
    assertThat(r.path("max_wait").asLong()).isEqualTo(14_400);
    assertThat(SageMakerRequests.metricName(spec, "validation", "auc")).isEqualTo("validation:auc");
  }

  @Test
  void aScriptTrainsItsImageWithItsMetricDefinitionsAndNeedsAnImage() throws Exception {
    String script = """
        , "algorithm": "script", "metric": "validation:auc", "params": {"lr": 0.5},
          "script": {"command": ["python3", "train.py"], "framework": "onnx", "IMAGE"
                     "metric_definitions": [{"name": "validation:auc", "regex": "(?:validation|test)-auc=([0-9.]+)"}]}
        """;
    TrainingJobSpec noImage = spec(script.replace("\"IMAGE\"", ""));
    assertThatThrownBy(() -> REQUESTS.image(noImage)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("script.image is required");
    TrainingJobSpec withImage = spec(script.replace("\"IMAGE\"",
        "\"image\": \"1.dkr.ecr.eu-west-1.amazonaws.com/pier-training-logreg:3\","));
    JsonNode r = REQUESTS.training("tj-2", withImage, "tj-2-refit-y", Map.of("lr", 0.5),
        channels("refit", "train", "test"));
    assertThat(r.path("image").asText()).isEqualTo("1.dkr.ecr.eu-west-1.amazonaws.com/pier-training-logreg:3");
    assertThat(r.path("metric_definitions").get(0).path("Name").asText()).isEqualTo("validation:auc");
    assertThat(r.path("metric_definitions").get(0).path("Regex").asText()).isEqualTo("(?:validation|test)-auc=([0-9.]+)");
    assertThat(r.path("channels").get(1).at("/DataSource/S3DataSource/S3Uri").asText())
        .isEqualTo("s3://pier-batch/training/tj-2/channels/refit/test/");
    assertThat(r.path("spot").asBoolean()).isFalse();
    assertThat(r.path("max_runtime").asLong()).isEqualTo(86_400); // the default without max_runtime
    assertThat(SageMakerRequests.metricName(withImage, "test", "validation:auc")).isEqualTo("validation:auc");
  }

  @Test
  void namesAreSageMakersAndNeverTooLong() {
    assertThat(SageMakerRequests.name("tj-ab_c", "t1-f2-z")).isEqualTo("tj-ab-c-t1-f2-z");
    assertThatThrownBy(() -> SageMakerRequests.name("tj-" + "a".repeat(60), "t1")).hasMessageContaining("too long");
  }

  @Test
  void theModelFileIsReadOutOfModelTarGz() throws Exception {
    byte[] one = SageMakerTrainingStandIn.tarGz(java.util.Map.of("xgboost-model",
        "booster".getBytes(StandardCharsets.UTF_8)));
    assertThat(new String(ModelArtifact.file(one, "xgboost-model"), StandardCharsets.UTF_8)).isEqualTo("booster");
    assertThat(new String(ModelArtifact.file(one, null), StandardCharsets.UTF_8)).isEqualTo("booster");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (var tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out))) {
      tar.putArchiveEntry(new TarArchiveEntry("./"));
      tar.closeArchiveEntry();
      for (String name : new String[] {"./model.onnx", "./code/notes.txt"}) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(bytes.length);
        tar.putArchiveEntry(e);
        tar.write(bytes);
        tar.closeArchiveEntry();
      }
    }
    byte[] two = out.toByteArray();
    assertThat(new String(ModelArtifact.file(two, "model.onnx"), StandardCharsets.UTF_8)).isEqualTo("./model.onnx");
    assertThatThrownBy(() -> ModelArtifact.file(two, null)).hasMessageContaining("model.onnx")
        .hasMessageContaining("code/notes.txt").hasMessageContaining("exactly one file");
    assertThatThrownBy(() -> ModelArtifact.file(two, "missing.pt")).hasMessageContaining("'missing.pt'");
  }
}
