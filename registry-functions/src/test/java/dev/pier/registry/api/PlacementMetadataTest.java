package dev.pier.registry.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.engine.Framework;
import dev.pier.kernel.tensor.Signature;
import dev.pier.registry.Placement;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Registration's {@code placement}: the three kinds, and what each refuses. */
class PlacementMetadataTest {
  /** Registration's checks of the serving side, which placement parsing does not use. */
  private static final ServingChecks ANY = new ServingChecks() {
    @Override
    public Signature check(Framework framework, Path artifact, Signature declared) {
      return declared;
    }

    @Override
    public boolean serves(Framework framework) {
      return true;
    }

    @Override
    public void checkPipeline(JsonNode spec, String where) {}
  };

  private static Placement placement(String json) {
    return VersionMetadata.parse("{\"framework\": \"onnx\", \"placement\": " + json + "}", ANY).serving().placement();
  }

  @Test
  void ecsTakesTheServiceTheTaskCountAndMemoryButNotAnInstanceType() {
    Placement p = placement("{\"kind\": \"ecs\", \"endpoint_name\": \"pier-dev-gpu\", \"instance_count\": 2,"
        + " \"memory_mb\": 16384}");
    assertThat(p).isEqualTo(new Placement(Placement.Kind.ECS, "pier-dev-gpu", null, 2, 16384));
    assertThat(p.onEcs()).isTrue();
    assertThat(p.onEndpoint()).as("not a SageMaker endpoint: EndpointRouter sends it to the ECS service").isFalse();
    assertThatThrownBy(() -> placement("{\"kind\": \"ecs\", \"instance_type\": \"g5.xlarge\"}"))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining("leave it out for kind ecs");
    assertThat(placement("{\"kind\": \"endpoint\", \"instance_type\": \"ml.g5.xlarge\"}").onEcs()).isFalse();
    assertThatThrownBy(() -> placement("{\"kind\": \"gpu\"}"))
        .hasMessageContaining("placement.kind must be function, endpoint or ecs, got \"gpu\"");
  }

  @Test
  void instanceCountZeroOnAnEndpointScalesToZeroAndEachVersionHasItsOwnComponentName() {
    assertThat(placement("{\"kind\": \"endpoint\", \"instance_count\": 0}").scalesToZero()).isTrue();
    assertThat(placement("{\"kind\": \"endpoint\", \"instance_count\": 1}").scalesToZero()).isFalse();
    assertThat(placement("{\"kind\": \"ecs\", \"instance_count\": 0}").scalesToZero()).isFalse();
    String sha = "0123abcd" + "e".repeat(56);
    assertThat(Placement.versionedName("pier-dev-iris-v3", 3, sha)).isEqualTo("pier-dev-iris-v3-v3-0123abcd");
    String longName = Placement.versionedName("pier-dev-" + "x".repeat(54), 12, sha);
    assertThat(longName).hasSize(63).endsWith("-v12-0123abcd");
  }
}
