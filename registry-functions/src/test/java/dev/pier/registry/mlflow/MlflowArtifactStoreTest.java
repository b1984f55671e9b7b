package dev.pier.registry.mlflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import org.junit.jupiter.api.Test;

/** {@link MlflowArtifactStore}'s paths and locations (the S3 side is exercised through the app's MLflow tests). */
class MlflowArtifactStoreTest {
  private final MlflowArtifactStore store = new MlflowArtifactStore(null, "s3://pier-artifacts/mlflow");

  @Test
  void storedLocationsUnderTheRootReadAsMlflowArtifactsUrisAndBack() {
    assertThat(store.toClient("s3://pier-artifacts/mlflow/3/abc/artifacts"))
        .isEqualTo("mlflow-artifacts:/3/abc/artifacts");
    assertThat(store.toStored("mlflow-artifacts:/3/abc/artifacts"))
        .isEqualTo("s3://pier-artifacts/mlflow/3/abc/artifacts");
    assertThat(store.toClient("s3://elsewhere/runs/3")).isEqualTo("s3://elsewhere/runs/3");
    assertThat(store.toStored("s3://elsewhere/runs/3")).isEqualTo("s3://elsewhere/runs/3");
  }

  @Test
  void anMlflowArtifactsUriMayNameTheTrackingHost() {
    assertThat(MlflowArtifactStore.relative("mlflow-artifacts://pier.example:8080/3/abc/artifacts/model"))
        .isEqualTo("3/abc/artifacts/model");
    assertThat(MlflowArtifactStore.relative("mlflow-artifacts:/3/abc/artifacts/model/"))
        .isEqualTo("3/abc/artifacts/model");
  }

  @Test
  void pathsThatLeaveTheirDirectoryOrHideCharactersAreA400NamingThePath() {
    for (String bad : new String[] {"../x", "a/../../b", "/etc/passwd", "a//b", "a\\b", "a/./b", "a\u0000b"}) {
      assertThatThrownBy(() -> MlflowArtifactStore.checked(bad)).as(bad)
          .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400))
          .hasMessageContaining("invalid artifact path");
    }
    assertThat(MlflowArtifactStore.checked("0/abc/artifacts/model/MLmodel")).isEqualTo("0/abc/artifacts/model/MLmodel");
  }

  @Test
  void aRunsUriNamesItsRunAndPath() {
    assertThat(RunsUri.parse("runs:/5f0e1c7a/model")).isEqualTo(new RunsUri("5f0e1c7a", "model"));
    assertThat(RunsUri.parse("runs:/5f0e1c7a")).isEqualTo(new RunsUri("5f0e1c7a", ""));
    assertThat(RunsUri.parse("s3://b/k")).isNull();
    assertThatThrownBy(() -> RunsUri.parse("runs:/")).isInstanceOf(PierException.class);
  }
}
