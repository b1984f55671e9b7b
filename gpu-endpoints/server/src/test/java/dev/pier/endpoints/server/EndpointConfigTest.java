package dev.pier.endpoints.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import dev.pier.kernel.engine.Framework;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Metadata and batching policy as registration JSON, the command line, and nvidia-smi's output. */
class EndpointConfigTest {

  @Test
  void readsTheRegistrysBatchingAndItsExtensions() {
    EndpointMetadata registry = EndpointMetadata.parse(
        "{\"framework\":\"onnx\",\"description\":\"d\",\"batching\":{\"max_batch_size\":32,\"max_delay_ms\":2.5}}");
    assertThat(registry.framework()).isEqualTo(Framework.ONNX);
    assertThat(registry.batching()).isEqualTo(new BatchPolicy(32, List.of(), 2500, 1, 1, 0, 0, 1, null));
    BatchPolicy full = EndpointMetadata.parse("{\"framework\":\"pytorch\",\"batching\":{\"max_batch_size\":64,"
        + "\"preferred_batch_sizes\":[32,16],\"max_queue_delay_us\":800,\"priority_levels\":2,\"default_priority\":2,"
        + "\"queue_timeout_ms\":50,\"max_queue_size\":1000,\"instances\":3,\"adaptive\":{\"p95_target_ms\":100}}}")
        .batching();
    assertThat(full).isEqualTo(new BatchPolicy(64, List.of(16, 32), 800, 2, 2, 50_000, 1000, 3, 100.0));
    assertThat(EndpointMetadata.parse("{\"framework\":\"onnx\"}").batching()).isEqualTo(BatchPolicy.none());
  }

  @Test
  void refusesWhatRegistrationWouldRefuseNamingTheField() {
    record Case(String json, String message) {}
    for (Case c : List.of(
        new Case("{}", "metadata.framework must be one of"),
        new Case("{\"framework\":\"onnx\",\"batchng\":{}}", "metadata: unknown field 'batchng'"),
        new Case("{\"framework\":\"onnx\",\"batching\":{\"max_batch_size\":8,\"delay\":1}}",
            "metadata.batching: unknown field 'delay'"),
        new Case("{\"framework\":\"onnx\",\"batching\":{\"max_delay_ms\":1}}", "metadata.batching.max_batch_size must be an integer"),
        new Case("{\"framework\":\"onnx\",\"batching\":{\"max_batch_size\":8,\"max_delay_ms\":1,"
            + "\"max_queue_delay_us\":5}}", "give max_delay_ms or max_queue_delay_us, not both"),
        new Case("{\"framework\":\"onnx\",\"batching\":{\"max_batch_size\":8,\"max_delay_ms\":1,\"preferred_batch_sizes\":[16]}}",
            "preferred_batch_sizes must lie between 1 and max_batch_size (8), got 16"),
        new Case("{\"framework\":\"onnx\",\"batching\":{\"max_batch_size\":8,\"max_delay_ms\":1,\"priority_levels\":2,"
            + "\"default_priority\":3}}", "default_priority must be between 1 and priority_levels (2)"),
        new Case("{\"framework\":\"onnx\",\"batching\":{\"max_batch_size\":8,\"max_delay_ms\":1,\"adaptive\":{\"p95\":1}}}",
            "adaptive must be {\"p95_target_ms\": T}"),
        new Case("{\"framework\":\"onnx\",\"batching\":{\"max_batch_size\":0,\"max_delay_ms\":1}}", "max_batch_size must be between"))) {
      assertThatThrownBy(() -> EndpointMetadata.parse(c.json())).as(c.json()).isInstanceOf(PierException.class)
          .hasMessageContaining(c.message());
    }
  }

  @Test
  void findsTheModelAndMetadataWhereSageMakerPutsThem(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("metadata.json"), "{\"framework\":\"onnx\"}");
    Files.write(dir.resolve("model.onnx"), new byte[] {1});
    EndpointMain.Options o = EndpointMain.parse(new String[] {"serve", "--artifact", dir.toString()},
        Map.of("SAGEMAKER_BIND_TO_PORT", "9090"));
    assertThat(o.port()).isEqualTo(9090);
    assertThat(o.grpcPort()).as("gRPC beside HTTP, as 8080/8081").isEqualTo(9091);
    assertThat(EndpointMain.parse(new String[] {"--grpc-port", "off"}, Map.of("PIER_METADATA", "{}")).grpcPort())
        .isNull();
    assertThat(EndpointMain.parse(new String[] {}, Map.of("PIER_METADATA", "{}", "PIER_GRPC_PORT", "7000"))
        .grpcPort()).isEqualTo(7000);
    assertThatThrownBy(() -> EndpointMain.parse(new String[] {"--port", "9000", "--grpc-port", "9000"},
        Map.of("PIER_METADATA", "{}"))).hasMessage("--grpc-port 9000 is the HTTP port; give another or off");
    assertThat(o.metadata()).isEqualTo("{\"framework\":\"onnx\"}");
    assertThat(EndpointMain.artifactFile(dir)).isEqualTo(dir.resolve("model.onnx"));
    Files.write(dir.resolve("other.bin"), new byte[] {1});
    Files.delete(dir.resolve("model.onnx"));
    Files.write(dir.resolve("third.bin"), new byte[] {1});
    assertThatThrownBy(() -> EndpointMain.artifactFile(dir)).hasMessageContaining("must hold one model file");
    assertThatThrownBy(() -> EndpointMain.parse(new String[] {"--port", "x"}, Map.of("PIER_METADATA", "{}")))
        .hasMessage("--port must be an integer from 0 to 65535, got 'x'");
    assertThatThrownBy(() -> EndpointMain.parse(new String[] {"--device", "tpu"}, Map.of("PIER_METADATA", "{}")))
        .hasMessage("--device must be cpu or cuda, got 'tpu'");
  }

  @Test
  void costPerMillionPredictionsIsTheHourlyPriceOverAnHoursPredictions() {
    // ml.g5.xlarge at $1.408/h serving 100 rows/s: 360,000 an hour, so a million cost 1.408 / 0.36
    assertThat(EndpointLoad.costPerMillion(1.408, 100)).isCloseTo(3.9111, org.assertj.core.data.Offset.offset(1e-4));
    assertThat(EndpointLoad.costPerMillion(Double.NaN, 100)).isNaN();
    assertThat(EndpointLoad.costPerMillion(1.408, 0)).isNaN();
  }

  @Test
  void gpuMetricsComeFromNvidiaSmiOrSayThereIsNone() {
    assertThat(GpuStats.parse("0, 87, 40213, 81559\n1, [N/A], 1, 2\n"))
        .containsExactly(new GpuStats.Gpu(0, 87, 40213, 81559));
    GpuStats none = new GpuStats(List.of("/nonexistent/nvidia-smi"));
    StringBuilder out = new StringBuilder();
    none.write(out);
    assertThat(out).contains("pier_endpoint_gpu_available{reason=\"no nvidia-smi on this machine (CPU only)\"} 0")
        .doesNotContain("utilization");
    GpuStats fake = new GpuStats(List.of("echo", "0, 91, 1024, 2048"));
    out = new StringBuilder();
    fake.write(out);
    assertThat(out).contains("pier_endpoint_gpu_available 1", "pier_endpoint_gpu_utilization_percent{gpu=\"0\"} 91.0",
        "pier_endpoint_gpu_memory_used_bytes{gpu=\"0\"} 1073741824");
  }
}
