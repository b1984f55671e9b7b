package dev.pier.endpoints.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.tensor.SignatureJson;
import dev.pier.registry.Batching;
import dev.pier.registry.ModelVersion;

/**
 * The registration metadata the endpoint image reads from {@code $PIER_METADATA} (framework, signature, batching: what
 * {@code ./pier endpoint serve --metadata} takes), written from the registered version.
 */
final class ContainerMetadata {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** SageMaker's limit on one environment value of a container. */
  static final int MAX_ENVIRONMENT_VALUE = 1024;

  private ContainerMetadata() {}

  static String of(ModelVersion v) {
    ObjectNode root = JSON.createObjectNode().put("framework", v.framework().id());
    if (v.signature() != null) {
      root.set("signature", SignatureJson.write(v.signature()));
    }
    Batching b = v.serving().batching();
    if (b != null) {
      ObjectNode o = root.putObject("batching").put("max_batch_size", b.maxBatchSize())
          .put("max_queue_delay_us", b.maxDelayMicros()).put("priority_levels", b.priorityLevels())
          .put("default_priority", b.defaultPriority()).put("queue_timeout_ms", b.queueTimeoutMicros() / 1000)
          .put("max_queue_size", b.maxQueueSize()).put("instances", b.instances());
      if (!b.preferredBatchSizes().isEmpty()) {
        b.preferredBatchSizes().forEach(o.putArray("preferred_batch_sizes")::add);
      }
      if (b.p95TargetMillis() != null) {
        o.putObject("adaptive").put("p95_target_ms", b.p95TargetMillis());
      }
    }
    return root.toString();
  }
}
