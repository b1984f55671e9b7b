package dev.pier.api.platform;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.experiments.Decision;
import dev.pier.experiments.Experiments;
import dev.pier.experiments.results.ExperimentResults;
import dev.pier.experiments.results.ExperimentResults.Comparison;
import dev.pier.experiments.results.ExperimentResults.MetricResult;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.cloudwatchlogs.emf.config.EnvironmentConfigurationProvider;
import software.amazon.cloudwatchlogs.emf.environment.Environments;

/** Guardrail breaches come out as the dimensionless EMF metric the CDK app's alarm watches, and as a counter. */
class ExperimentMetricsTest {

  private static Comparison comparison(String arm, Boolean breached) {
    return new Comparison(arm, 0.1, List.of(0.05, 0.15), 0.5, List.of(0.2, 0.8), 0.001, null, 0.99, 0.0, true,
        breached);
  }

  /** Two guardrails, one breached by one arm; a goal metric's comparison never counts (its breached is null). */
  private static Experiments.Analysed analysed(boolean breach) {
    var metrics = List.of(
        new MetricResult("conversion", "primary", "binary", false, List.of(), List.of(comparison("treatment", null))),
        new MetricResult("error_rate", "guardrail", "binary", false, List.of(),
            List.of(comparison("treatment", breach), comparison("other", false))),
        new MetricResult("latency", "guardrail", "continuous", false, List.of(), List.of(comparison("treatment", false))));
    var results = new ExperimentResults("frequentist", List.of(), new ExperimentResults.Srm(0.1, 0.75, false), metrics,
        List.of(), null, null);
    var decision = new Decision(breach ? Decision.Action.STOP_GUARDRAIL : Decision.Action.CONTINUE,
        breach ? "treatment" : null, breach ? 2 : null, "r", "2026-12-07T09:00:00Z", true, null);
    return new Experiments.Analysed("exp-1", decision, results);
  }

  private static String emfOutput(Runnable run) {
    EnvironmentConfigurationProvider.getConfig().setEnvironmentOverride(Environments.Local);
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      run.run();
    } finally {
      System.setOut(original);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aBreachedGuardrailIsOneDimensionlessEmfCountWithTheExperimentAsAProperty() throws Exception {
    var registry = new SimpleMeterRegistry();
    String out = emfOutput(() -> new ExperimentMetrics(true, registry).analysed(analysed(true)));

    JsonNode emf = new ObjectMapper().readTree(out.lines().filter(l -> l.contains("\"_aws\"")).findFirst()
        .orElseThrow());
    assertThat(emf.get("GuardrailBreaches").asDouble()).isEqualTo(1.0);
    assertThat(emf.get("experiment").asText()).isEqualTo("exp-1");
    assertThat(emf.get("action").asText()).isEqualTo("STOP_GUARDRAIL");
    JsonNode directive = emf.get("_aws").get("CloudWatchMetrics").get(0);
    assertThat(directive.get("Namespace").asText()).isEqualTo("Pier/Experiments");
    // no dimension at all (not the library's default LogGroup/ServiceName): the alarm's metric names none
    directive.get("Dimensions").forEach(set -> assertThat(set).isEmpty());
    assertThat(registry.get("pier.experiments.guardrail.breaches").counter().count()).isEqualTo(1.0);
  }

  @Test
  void anAnalysisWithoutABreachWritesNothing() {
    var registry = new SimpleMeterRegistry();
    String out = emfOutput(() -> new ExperimentMetrics(true, registry).analysed(analysed(false)));
    assertThat(out).doesNotContain("_aws");
    assertThat(registry.get("pier.experiments.guardrail.breaches").counter().count()).isZero();
  }
}
