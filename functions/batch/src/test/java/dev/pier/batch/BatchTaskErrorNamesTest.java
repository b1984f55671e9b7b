package dev.pier.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.statemachines.AslDefinition;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The names batch-scoring's Retry and Catch match are the ones the worker raises: in AWS Lambda reports a thrown
 * exception by its class name, so every Pier error the ASL lists must be a {@link BatchTaskError} of that name.
 */
class BatchTaskErrorNamesTest {
  @Test
  void everyPierErrorTheAslMatchesIsABatchTaskErrorClassOfThatName() throws Exception {
    List<String> pierNames = new ArrayList<>();
    try (InputStream in = AslDefinition.class.getResourceAsStream("/" + AslDefinition.BATCH_SCORING + ".asl.json")) {
      collect(new ObjectMapper().readTree(in), pierNames);
    }

    assertThat(pierNames).contains(TransientError.class.getName());
    for (String name : pierNames) {
      Class<?> type = Class.forName(name);
      assertThat(BatchTaskError.class).as(name).isAssignableFrom(type);
    }
  }

  @Test
  void aBatchTaskErrorIsNamedByItsClassForTheLocalRunnerToo() {
    assertThat(new TransientError("S3 timed out").error()).isEqualTo("dev.pier.batch.TransientError");
    assertThat(new InvalidJobError("no such model").error()).isEqualTo("dev.pier.batch.InvalidJobError");
  }

  /** Every ErrorEquals entry that is not one of Step Functions' own ({@code States.*}, {@code Lambda.*}). */
  private static void collect(JsonNode node, List<String> out) {
    if (node.isObject()) {
      node.properties().forEach(e -> {
        if (e.getKey().equals("ErrorEquals")) {
          e.getValue().forEach(n -> {
            if (!n.asText().startsWith("States.") && !n.asText().startsWith("Lambda.")) {
              out.add(n.asText());
            }
          });
        } else {
          collect(e.getValue(), out);
        }
      });
    } else if (node.isArray()) {
      node.forEach(n -> collect(n, out));
    }
  }
}
