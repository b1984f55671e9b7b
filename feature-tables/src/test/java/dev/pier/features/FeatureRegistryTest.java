package dev.pier.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The feature registry on the DynamoDB stand-in through the real SDK client. */
class FeatureRegistryTest {
  @TempDir static Path dataDir;
  private static StandIns standIns;
  private static int tables;
  private FeatureRegistry registry;

  @BeforeAll
  static void startStandIns() throws Exception {
    standIns = new StandIns(dataDir);
  }

  @AfterAll
  static void stopStandIns() {
    standIns.close();
  }

  @BeforeEach
  void start() {
    String table = "features-" + ++tables; // a fresh registry per test on the shared stand-ins
    FeatureRegistry.createTableIfMissing(standIns.clients.dynamoDb(), table);
    registry = new FeatureRegistry(standIns.clients.dynamoDb(), table, Duration.ofMinutes(5), Clock.systemUTC());
  }

  private ApplyPlan apply(String doc) {
    return registry.apply(DefinitionsParser.parse(doc), false, null);
  }

  @Test
  void applyingADocumentCreatesEachDefinitionAtVersionOne() {
    ApplyPlan plan = apply(DefinitionsParserTest.DRIVERS);

    assertThat(plan.applied()).isTrue();
    assertThat(plan.changes()).extracting(c -> c.kind() + " " + c.name() + " " + c.action() + " v" + c.toVersion())
        .containsExactly("entity driver create v1", "source driver_stats create v1", "source driver_push create v1",
            "feature_view driver_hourly_stats create v1", "feature_service driver_activity create v1");
    assertThat(registry.catalog().view("driver_hourly_stats").owner()).isEqualTo("ops@example.com");
  }

  @Test
  void reapplyingTheSameDocumentChangesNothing() {
    apply(DefinitionsParserTest.DRIVERS);

    ApplyPlan again = apply(DefinitionsParserTest.DRIVERS);

    assertThat(again.changed()).isZero();
    assertThat(registry.versions(Kind.FEATURE_VIEW, "driver_hourly_stats")).hasSize(1);
  }

  @Test
  void aChangedViewGetsANewVersionAndKeepsItsHistory() {
    apply(DefinitionsParserTest.DRIVERS);
    String changed = DefinitionsParserTest.DRIVERS.replace("ttl: 1d", "ttl: 2d")
        .replace("- {name: trips, dtype: INT64}", "- {name: trips, dtype: FLOAT64}");

    ApplyPlan plan = apply(changed);

    ApplyPlan.Change view = plan.changes().stream().filter(c -> c.name().equals("driver_hourly_stats")).findFirst()
        .orElseThrow();
    assertThat(view.action()).isEqualTo("update");
    assertThat(view.toVersion()).isEqualTo(2);
    assertThat(view.differences()).containsExactly("ttl: 1d -> 2d", "feature trips: INT64 -> FLOAT64");
    assertThat(view.breaking()).isTrue();
    var history = registry.versions(Kind.FEATURE_VIEW, "driver_hourly_stats");
    assertThat(history).extracting(FeatureVersion::version).containsExactly(1, 2);
    assertThat(history.get(0).definition().get("ttl").asText()).isEqualTo("1d");
    assertThat(history.get(1).definition().get("ttl").asText()).isEqualTo("2d");
    assertThat(registry.catalog().view("driver_hourly_stats").ttl()).isEqualTo(Duration.ofDays(2));
  }

  @Test
  void aDryRunPlansWithoutWritingAnything() {
    ApplyPlan plan = registry.apply(DefinitionsParser.parse(DefinitionsParserTest.DRIVERS), true, null);

    assertThat(plan.applied()).isFalse();
    assertThat(plan.changed()).isEqualTo(5);
    assertThat(registry.catalog().isEmpty()).isTrue();
  }

  @Test
  void aDocumentWithOneDanglingReferenceAppliesNothingAtAll() {
    String bad = DefinitionsParserTest.DRIVERS.replace("\"driver_hourly_stats:trips\"", "\"driver_hourly_stats:tips\"");

    assertThatThrownBy(() -> apply(bad)).isInstanceOfSatisfying(InvalidDefinitions.class,
        e -> assertThat(e.problems()).containsExactly(
            "feature_services (driver_activity).features: feature view 'driver_hourly_stats' has no feature 'tips'"));
    assertThat(registry.catalog().isEmpty()).isTrue();
  }

  @Test
  void aSourcePathThatHoldsNothingIsRefusedAtApply() {
    assertThatThrownBy(() -> registry.apply(DefinitionsParser.parse(DefinitionsParserTest.DRIVERS), false,
        path -> "no Parquet object under " + path)).isInstanceOfSatisfying(InvalidDefinitions.class,
        e -> assertThat(e.problems()).containsExactly(
            "sources (driver_stats).path: no Parquet object under s3://pier-features/driver_stats/"));
  }

  @Test
  void aLaterDocumentMayReferToDefinitionsAppliedBefore() {
    apply(DefinitionsParserTest.DRIVERS);

    apply("""
        feature_services: [{name: trips_only, features: ["driver_hourly_stats"]}]
        """);

    assertThat(registry.catalog().service("trips_only").features()).extracting(FeatureRef::toString)
        .containsExactly("driver_hourly_stats:conv_rate", "driver_hourly_stats:trips", "driver_hourly_stats:city");
  }

  @Test
  void theHistoryOfADefinitionNeverAppliedIsA404() {
    assertThatThrownBy(() -> registry.versions(Kind.FEATURE_VIEW, "nope"))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(404));
  }
}
