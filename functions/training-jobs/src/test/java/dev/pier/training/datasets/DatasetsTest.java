package dev.pier.training.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.aws.DynamoTables;
import dev.pier.kernel.PierException;
import dev.pier.training.StandIns;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

class DatasetsTest {
  @TempDir static Path work;
  static StandIns standIns;
  static Datasets datasets;

  @BeforeAll
  static void start() throws Exception {
    standIns = new StandIns(work.resolve("aws"));
    standIns.clients.s3().createBucket(b -> b.bucket("data"));
    DynamoTables.createIfMissing(standIns.clients.dynamoDb(), "jobs", DynamoTables.SINGLE_TABLE, null);
    datasets = new Datasets(new DatasetsTable(standIns.clients.dynamoDb(), "jobs"), standIns.clients.s3(),
        new DatasetFiles(standIns.clients.s3(), work.resolve("cache")), StandIns.ANY_S3, Clock.systemUTC());
  }

  @AfterAll
  static void stop() {
    standIns.close();
  }

  private static void put(String key, String body) {
    standIns.clients.s3().putObject(b -> b.bucket("data").key(key), RequestBody.fromString(body));
  }

  @Test
  void aCsvFileIsRecordedWithItsSchemaRowsAndManifestDigest() {
    put("one/rows.csv", "income,age,city,label\n1.5,30,x,1\n0.2,41,y,0\n");
    DatasetVersion v = datasets.record(null, "s3://data/one/rows.csv", null);
    assertThat(v.name()).isEqualTo("rows");
    assertThat(v.rows()).isEqualTo(2);
    assertThat(v.schema()).containsExactly(new Column("income", "DOUBLE"), new Column("age", "BIGINT"),
        new Column("city", "VARCHAR"), new Column("label", "BIGINT"));
    assertThat(v.version()).isEqualTo(datasets.record(null, "s3://data/one/rows.csv", null).version());
    DatasetReader.Rows rows = datasets.rows(v, "label", List.of("income", "age"));
    assertThat(rows.labels()).containsExactly(1, 0);
    assertThat(rows.values()[1]).containsExactly(0.2, 41);
  }

  @Test
  void aNonNumericFeatureIsRefusedByName() {
    put("two/rows.csv", "city,label\nx,1\n");
    DatasetVersion v = datasets.record("two", "s3://data/two/rows.csv", "csv");
    assertThatThrownBy(() -> datasets.rows(v, "label", List.of("city"))).isInstanceOf(PierException.class)
        .hasMessageContaining("city");
  }

  @Test
  void categoricalFeaturesAreCodedByTheirSortedDistinctValuesAsText() {
    put("three/rows.csv", "plan,region,x,label\npro,3,0.5,1\nbasic,10,0.1,0\n,3,0.2,0\nteam,2,0.3,1\n");
    DatasetVersion v = datasets.record("three", "s3://data/three/rows.csv", "csv");
    DatasetReader.Rows rows = datasets.rows(v, "label", List.of("plan", "x", "region"), null, null,
        List.of("plan", "region"));
    assertThat(rows.categories()).hasSize(3);
    assertThat(rows.categories().get(0)).containsExactly("basic", "pro", "team");
    assertThat(rows.categories().get(1)).isNull();
    assertThat(rows.categories().get(2)).containsExactly("10", "2", "3"); // integers as their digits, sorted as text
    assertThat(rows.values()[0]).containsExactly(1, 0.5, 2);
    assertThat(rows.values()[1]).containsExactly(0, 0.1, 0);
    assertThat(Double.isNaN(rows.values()[2][0])).isTrue(); // a missing category is a missing value
    assertThat(rows.values()[3]).containsExactly(2, 0.3, 1);
  }
}
