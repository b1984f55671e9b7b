package dev.pier.training.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import org.junit.jupiter.api.Test;

/** A job's {@code source}: the code reference its runs are tagged with; checked before anything runs. */
class JobSourceTest {
  private static TrainingJobSpec parse(String source) throws Exception {
    return TrainingJobSpec.parse(TrainingJobsTable.JSON.readTree("""
        {"name": "s", "dataset": "d", "source": %s}""".formatted(source)));
  }

  @Test
  void aCommitRepositoryAndEntryPointAreKept() throws Exception {
    TrainingJobSpec spec = parse("{\"git_commit\": \"abc1234\", \"repository\": \"https://git.example/r.git\","
        + " \"entry_point\": \"jobs/churn.yaml\"}");
    assertThat(spec.source()).isEqualTo(new TrainingJobSpec.Source("abc1234", "https://git.example/r.git",
        "jobs/churn.yaml"));
    assertThat(parse("null").source()).isNull();
  }

  @Test
  void aBadCommitOrAnUnknownFieldIsA400NamingIt() {
    assertThatThrownBy(() -> parse("{\"git_commit\": \"main\"}")).isInstanceOf(PierException.class)
        .hasMessageContaining("source.git_commit").extracting(e -> ((PierException) e).status()).isEqualTo(400);
    assertThatThrownBy(() -> parse("{\"branch\": \"main\"}")).isInstanceOf(PierException.class)
        .hasMessageContaining("branch");
  }
}
