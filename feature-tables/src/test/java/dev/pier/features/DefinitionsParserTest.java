package dev.pier.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DefinitionsParserTest {
  static final String DRIVERS = """
      entities:
        - {name: driver, join_keys: [driver_id], value_type: INT64, description: A driver}
      sources:
        - {name: driver_stats, kind: parquet, path: "s3://pier-features/driver_stats/",
           timestamp_field: event_timestamp, created_timestamp_column: created}
        - {name: driver_push, kind: push, batch_source: driver_stats}
      feature_views:
        - name: driver_hourly_stats
          entities: [driver]
          ttl: 1d
          source: driver_push
          online: true
          schema:
            - {name: conv_rate, dtype: FLOAT32}
            - {name: trips, dtype: INT64}
            - {name: city, dtype: STRING}
          tags: {team: ops}
          owner: ops@example.com
          description: Hourly driver statistics
      feature_services:
        - {name: driver_activity, features: ["driver_hourly_stats:conv_rate", "driver_hourly_stats:trips"]}
      """;

  @Test
  void readsADocumentInFeastsVocabulary() {
    Catalog c = DefinitionsParser.parse(DRIVERS);

    assertThat(c.entities().get("driver").joinKey()).isEqualTo("driver_id");
    FeatureView v = c.featureViews().get("driver_hourly_stats");
    assertThat(v.ttl()).isEqualTo(Duration.ofDays(1));
    assertThat(v.schema()).extracting(f -> f.name() + ":" + f.dtype())
        .containsExactly("conv_rate:FLOAT32", "trips:INT64", "city:STRING");
    assertThat(c.sources().get("driver_push")).isEqualTo(new DataSource.Push("driver_push", "driver_stats", null));
    assertThat(c.featureServices().get("driver_activity").features())
        .containsExactly(new FeatureRef("driver_hourly_stats", "conv_rate"), new FeatureRef("driver_hourly_stats", "trips"));
  }

  @Test
  void namesEveryProblemOfADocumentAtOnce() {
    String bad = """
        entities:
          - {name: driver, join_keys: [driver_id], value_type: FLOAT64, colour: red}
        feature_views:
          - {name: v, entities: [driver], ttl: 1x, source: s, schema: [{name: a, dtype: DECIMAL}, {name: a, dtype: INT64}]}
          - {name: v, entities: [driver], source: s, schema: [{name: b, dtype: INT64}]}
        """;

    assertThatThrownBy(() -> DefinitionsParser.parse(bad)).isInstanceOfSatisfying(InvalidDefinitions.class, e ->
        assertThat(e.problems()).containsExactlyInAnyOrder(
            "entities[0] (driver).colour: unknown key (known: description, join_key, join_keys, name, tags, value_type)",
            "entities[0] (driver).value_type: 'FLOAT64' is not a join key type (INT32, INT64, STRING, BYTES)",
            "feature_views[0] (v).ttl: '1x' is not a duration (e.g. 1d, 2h30m, 3600, PT1H; 0 for none)",
            "feature_views[0] (v).schema[0].dtype: 'DECIMAL' is not a type (BOOL, INT32, INT64, FLOAT32, FLOAT64,"
                + " STRING, BYTES, UNIX_TIMESTAMP, or X_LIST)",
            "feature_views[0] (v).schema[1].name: feature 'a' is defined twice",
            "feature_views[1] (v).name: 'v' is defined twice in feature_views"));
  }

  @Test
  void findsDanglingReferencesAgainstWhatIsAlreadyApplied() {
    Catalog applied = DefinitionsParser.parse("""
        entities: [{name: driver, join_keys: [driver_id], value_type: INT64}]
        sources: [{name: stats, kind: parquet, path: "s3://bkt/stats.parquet"}]
        """);
    Catalog doc = DefinitionsParser.parse("""
        feature_views:
          - {name: ok, entities: [driver], source: stats, schema: [{name: x, dtype: FLOAT64}]}
          - {name: bad, entities: [rider], source: nowhere, schema: [{name: driver_id, dtype: INT64}]}
        feature_services:
          - {name: s, features: ["ok:x", "ok:y", "gone:z"]}
        """);

    assertThat(DefinitionsParser.checkReferences(doc, applied)).containsExactlyInAnyOrder(
        "feature_views (bad).entities: entity 'rider' does not exist",
        "feature_views (bad).source: source 'nowhere' does not exist",
        "feature_services (s).features: feature view 'ok' has no feature 'y'",
        "feature_services (s).features: feature view 'gone' does not exist");
  }

  @Test
  void readsDtypesInFeastsSpellings() {
    assertThat(Dtype.parse("Array(Int64)")).isEqualTo(new Dtype(Dtype.Scalar.INT64, true));
    assertThat(Dtype.parse("FLOAT32_LIST")).isEqualTo(new Dtype(Dtype.Scalar.FLOAT32, true));
    assertThat(Dtype.parse("UnixTimestamp")).isEqualTo(new Dtype(Dtype.Scalar.UNIX_TIMESTAMP, false));
    assertThat(Dtype.parse("Decimal")).isNull();
  }

  @Test
  void readsDurationsAsFeastUsersWriteThem() {
    assertThat(DefinitionsParser.duration(new com.fasterxml.jackson.databind.node.TextNode("1d12h")))
        .isEqualTo(Duration.ofHours(36));
    assertThat(DefinitionsParser.duration(new com.fasterxml.jackson.databind.node.TextNode("PT90M")))
        .isEqualTo(Duration.ofMinutes(90));
    assertThat(DefinitionsParser.duration(com.fasterxml.jackson.databind.node.IntNode.valueOf(3600)))
        .isEqualTo(Duration.ofHours(1));
    assertThat(DefinitionsParser.format(Duration.ofHours(36))).isEqualTo("1d12h");
  }
}
