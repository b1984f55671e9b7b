package dev.pier.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EngineMessageTest {

  @Test
  void absoluteAndRelativeServerPathsAreReplaced() {
    assertThat(EngineMessage.withoutPaths("Load model from /tmp/pier-uploads/upload-1 failed"))
        .isEqualTo("Load model from <path> failed");
    assertThat(EngineMessage.withoutPaths(
        "Load model from target/test-data/51a9/tmp/pier-uploads/resteasy-reactive155upload failed:Protobuf"))
        .isEqualTo("Load model from <path> failed:Protobuf");
  }

  @Test
  void urlsRatiosAndPlainWordsAreKept() {
    String kept = "see https://onnx.ai/docs/external-data for 1/2 of the weights in model.onnx";
    assertThat(EngineMessage.withoutPaths(kept)).isEqualTo(kept);
  }

  @Test
  void onlyTheFirstLineOfANativeMessageIsKept() {
    assertThat(EngineMessage.of(new RuntimeException("bad graph\n  at native frame /opt/lib/x.so")))
        .isEqualTo("bad graph");
  }
}
