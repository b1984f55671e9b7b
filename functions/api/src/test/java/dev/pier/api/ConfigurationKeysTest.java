package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * Every {@code pier.*} key the README's configuration table lists can be set like any other, not only those of
 * {@link PierConfig}: keys read by the capture, experiments and monitoring wiring ({@code @ConfigProperty}) used to stop
 * the server at start ("SRCFG00050 … does not map to any root") when set as a system property or in
 * application.properties, because the {@code pier} mapping refused keys it does not declare itself.
 */
@QuarkusTest
@TestProfile(ConfigurationKeysTest.Profile.class)
class ConfigurationKeysTest {
  public static class Profile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "pier.capture.batch-rows", "500",
          "pier.capture.flush-interval", "2s",
          "pier.experiments.analysis-interval", "7m",
          "pier.monitoring.feedback-window", "10d");
    }
  }

  @Test
  void keysReadOutsideThePierMappingStartTheServerAndTakeEffect() {
    given().get("/v2/health/ready").then().statusCode(200);
    var config = ConfigProvider.getConfig();
    assertThat(config.getValue("pier.capture.batch-rows", Integer.class)).isEqualTo(500);
    assertThat(config.getValue("pier.experiments.analysis-interval", Duration.class)).isEqualTo(Duration.ofMinutes(7));
    assertThat(config.getValue("pier.monitoring.feedback-window", Duration.class)).isEqualTo(Duration.ofDays(10));
  }
}
