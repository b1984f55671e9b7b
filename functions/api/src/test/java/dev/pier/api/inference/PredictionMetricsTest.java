package dev.pier.api.inference;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import software.amazon.cloudwatchlogs.emf.config.EnvironmentConfigurationProvider;
import software.amazon.cloudwatchlogs.emf.environment.Environments;

/** Prediction metrics come out as CloudWatch Embedded Metric Format JSON on stdout. */
class PredictionMetricsTest {

  @Test
  void aPredictionWritesOneEmfLineWithModelAndVersionDimensions() throws Exception {
    EnvironmentConfigurationProvider.getConfig().setEnvironmentOverride(Environments.Local);
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      new PredictionMetrics(true, null).prediction(dev.pier.runtime.prediction.WayIn.REST, "demo", 3, 200, 2_500_000);
    } finally {
      System.setOut(original);
    }
    String line = captured.toString(StandardCharsets.UTF_8).lines()
        .filter(l -> l.contains("\"_aws\"")).findFirst().orElseThrow();
    JsonNode emf = new ObjectMapper().readTree(line);
    assertThat(emf.get("Model").asText()).isEqualTo("demo");
    assertThat(emf.get("Version").asText()).isEqualTo("3");
    assertThat(emf.get("PredictionLatency").asDouble()).isEqualTo(2.5);
    JsonNode directive = emf.get("_aws").get("CloudWatchMetrics").get(0);
    assertThat(directive.get("Namespace").asText()).isEqualTo("Pier");
    assertThat(directive.get("Dimensions").get(0).toString()).contains("Model", "Version");
  }

  @Test
  void disabledMetricsWriteNothing() {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      new PredictionMetrics(false, null).prediction(dev.pier.runtime.prediction.WayIn.REST, "demo", 1, 200, 1_000_000);
    } finally {
      System.setOut(original);
    }
    assertThat(captured.toString(StandardCharsets.UTF_8)).doesNotContain("_aws");
  }
}
