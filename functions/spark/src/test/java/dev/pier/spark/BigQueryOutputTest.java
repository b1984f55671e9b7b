package dev.pier.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.bigquery.storage.v1.BigQueryWriteClient;
import dev.pier.batch.S3Uri;
import dev.pier.batch.TableMode;
import dev.pier.batch.bigquery.BigQueryChunks;
import dev.pier.batch.bigquery.BigQueryConnection;
import dev.pier.batch.bigquery.BigQuerySchema;
import dev.pier.batch.bigquery.BigQueryStandIn;
import dev.pier.batch.bigquery.BigQueryTables;
import dev.pier.batch.bigquery.BigQueryTarget;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.local.LocalAws;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A job's BigQuery table and rows through Google's clients (REST for the table, the Storage Write API's gRPC for rows)
 * against {@link BigQueryStandIn}: the table's columns, partitioning and modes decided before scoring, and each chunk's
 * rows in the table exactly once when its attempt fails before, during or after the commit.
 */
class BigQueryOutputTest {
  static final StructType SCORED = new StructType().add("id", DataTypes.LongType)
      .add("input", DataTypes.createArrayType(DataTypes.DoubleType)).add("note", DataTypes.StringType)
      .add("probability", DataTypes.FloatType).add("flag", DataTypes.BooleanType)
      .add("pier_error", DataTypes.StringType);
  static final LocalDate DAY = LocalDate.of(2026, 12, 7);

  static Path dir;
  static LocalAws aws;
  static AwsClients clients;
  static BigQueryStandIn bq;
  static BigQueryTables tables;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("pier-bigquery-test");
    aws = LocalAws.start(dir.resolve("data"));
    clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
    clients.s3().createBucket(b -> b.bucket("batch"));
    bq = new BigQueryStandIn();
    bq.datasets.add("proj-one.scores");
    tables = new BigQueryTables(bq.connection().tables("proj-one", u -> null));
  }

  @AfterAll
  static void stop() {
    bq.close();
    clients.close();
    aws.close();
  }

  static Row row(long id, List<Double> input, String note, Float probability, Boolean flag, String error) {
    Object seq = input == null ? null : scala.jdk.javaapi.CollectionConverters.asScala(input).toSeq();
    return new GenericRowWithSchema(new Object[] {id, seq, note, probability, flag, error}, SCORED);
  }

  @Test
  void aTableIsCreatedPartitionedByDateAndClusteredByJobAndAnExistingOneIsTakenOrRefusedAsTheModeSays() {
    BigQuerySchema schema = SparkBigQuery.schema(SCORED);
    BigQueryTarget target = BigQueryTarget.parse("bigquery://proj-one.scores.modes");
    tables.ensure(target, schema, TableMode.ERROR_IF_EXISTS, "bj-1");
    var t = bq.tables.get("proj-one.scores.modes");
    assertThat(t.path("schema").path("fields").toString()).isEqualTo("[{\"mode\":\"NULLABLE\",\"name\":\"id\","
        + "\"type\":\"INTEGER\"},{\"mode\":\"REPEATED\",\"name\":\"input\",\"type\":\"FLOAT\"},{\"mode\":\"NULLABLE\","
        + "\"name\":\"note\",\"type\":\"STRING\"},{\"mode\":\"NULLABLE\",\"name\":\"probability\",\"type\":\"FLOAT\"},"
        + "{\"mode\":\"NULLABLE\",\"name\":\"flag\",\"type\":\"BOOLEAN\"},{\"mode\":\"NULLABLE\",\"name\":"
        + "\"pier_error\",\"type\":\"STRING\"},{\"mode\":\"NULLABLE\",\"name\":\"job_id\",\"type\":\"STRING\"},"
        + "{\"mode\":\"NULLABLE\",\"name\":\"date\",\"type\":\"DATE\"}]");
    assertThat(t.path("timePartitioning").path("type").asText()).isEqualTo("DAY");
    assertThat(t.path("timePartitioning").path("field").asText()).isEqualTo("date");
    assertThat(t.path("clustering").path("fields").toString()).isEqualTo("[\"job_id\"]");
    assertThat(t.path("labels").path("pier_job_id").asText()).isEqualTo("bj-1");

    tables.ensure(target, schema, TableMode.ERROR_IF_EXISTS, "bj-1"); // its own table: a resumed job
    assertThatThrownBy(() -> tables.ensure(target, schema, TableMode.ERROR_IF_EXISTS, "bj-2"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("table bigquery://proj-one.scores.modes exists, and"
            + " mode error_if_exists (the default) refuses it: \"mode\": \"append\" adds this job's rows to it,"
            + " \"overwrite\" replaces it");
    tables.ensure(target, schema, TableMode.APPEND, "bj-2"); // the same columns
    BigQuerySchema other = SparkBigQuery.schema(new StructType().add("id", DataTypes.StringType)
        .add("pier_error", DataTypes.StringType));
    assertThatThrownBy(() -> tables.ensure(target, other, TableMode.APPEND, "bj-3"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("table bigquery://proj-one.scores.modes exists with"
            + " columns [id INT64 NULLABLE, input FLOAT64 REPEATED, note STRING NULLABLE, probability FLOAT64 NULLABLE,"
            + " flag BOOL NULLABLE, pier_error STRING NULLABLE, job_id STRING NULLABLE, date DATE NULLABLE]; this job"
            + " writes [id STRING NULLABLE, pier_error STRING NULLABLE, job_id STRING NULLABLE, date DATE NULLABLE],"
            + " which mode append cannot add to it");
    assertThat(bq.tables.get("proj-one.scores.modes").path("labels").path("pier_job_id").asText()).isEqualTo("bj-1");

    tables.ensure(target, other, TableMode.OVERWRITE, "bj-4");
    t = bq.tables.get("proj-one.scores.modes");
    assertThat(t.path("schema").path("fields").get(0).path("type").asText()).isEqualTo("STRING");
    assertThat(t.path("schema").path("fields")).hasSize(4);
    assertThat(t.path("labels").path("pier_job_id").asText()).isEqualTo("bj-4");

    assertThatThrownBy(() -> tables.ensure(BigQueryTarget.parse("bigquery://proj-one.nope.t"), schema,
        TableMode.ERROR_IF_EXISTS, "bj-5")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("dataset proj-one.nope does not exist in BigQuery (")
        .hasMessageEndingWith("): create it first");
  }

  @Test
  void credentialsAreAServiceAccountKeyReadFromS3AndAMissingOneIsNamed() throws Exception {
    var keys = java.security.KeyPairGenerator.getInstance("RSA");
    keys.initialize(2048);
    String pem = "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder(64, "\n".getBytes())
        .encodeToString(keys.generateKeyPair().getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
    var key = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("type", "service_account")
        .put("project_id", "proj-one").put("private_key_id", "k1").put("private_key", pem)
        .put("client_email", "pier-batch@proj-one.iam.gserviceaccount.com").put("client_id", "1")
        .put("token_uri", "https://oauth2.googleapis.com/token");
    clients.s3().putObject(b -> b.bucket("batch").key("keys/bq.json"),
        software.amazon.awssdk.core.sync.RequestBody.fromString(key.toString()));
    java.util.function.Function<S3Uri, byte[]> s3 = u -> clients.s3().getObjectAsBytes(b -> b.bucket(u.bucket())
        .key(u.key())).asByteArray();

    var options = new BigQueryConnection(bq.restEndpoint(), bq.writeEndpoint(), "s3://batch/keys/bq.json")
        .tables("proj-one", s3).getOptions();
    assertThat(options.getCredentials()).isInstanceOfSatisfying(
        com.google.auth.oauth2.ServiceAccountCredentials.class, c -> {
          assertThat(c.getClientEmail()).isEqualTo("pier-batch@proj-one.iam.gserviceaccount.com");
          assertThat(c.getScopes()).containsExactly("https://www.googleapis.com/auth/bigquery");
        });
    assertThat(options.getProjectId()).isEqualTo("proj-one");
    assertThatThrownBy(() -> new BigQueryConnection(bq.restEndpoint(), bq.writeEndpoint(), "s3://batch/keys/none.json")
        .tables("proj-one", s3)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("cannot read BigQuery credentials from s3://batch/keys/none.json: ");
  }

  @Test
  void columnsBigQueryCannotHoldAreRefusedNamingThem() {
    assertThatThrownBy(() -> SparkBigQuery.schema(new StructType().add("id", DataTypes.LongType)
        .add("extra", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType))))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("column 'extra' is map<string,string>, which a"
            + " BigQuery output cannot hold (it takes strings, integers, floating point numbers, booleans, dates,"
            + " timestamps and arrays of them)");
    assertThatThrownBy(() -> SparkBigQuery.schema(new StructType().add("date", DataTypes.StringType)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("column 'date' clashes with the table's partition column 'date' (each row's job id and date)");
    assertThatThrownBy(() -> SparkBigQuery.schema(new StructType().add("a-b", DataTypes.StringType)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("column 'a-b' cannot be a BigQuery");
    assertThat(BigQueryTarget.parse("bigquery://example.com:proj-one.scores.t"))
        .isEqualTo(new BigQueryTarget("example.com:proj-one", "scores", "t"));
  }

  @Test
  void eachChunkIsInTheTableOnceWhenItsAttemptFailsBeforeDuringOrAfterTheCommit() {
    BigQuerySchema schema = SparkBigQuery.schema(SCORED);
    BigQueryTarget target = BigQueryTarget.parse("bigquery://proj-one.scores.chunks");
    tables.ensure(target, schema, TableMode.ERROR_IF_EXISTS, "bj-c");
    List<Map<String, Object>> table = bq.rows.get("proj-one.scores.chunks");
    try (BigQueryWriteClient client = bq.connection().writer(u -> null)) {
      BigQueryChunks chunks = new BigQueryChunks(client, target, schema, clients.s3(),
          new S3Uri("batch", "outputs/bj-c/bigquery/"));

      // chunk 0: one attempt; its values as BigQuery holds them (FP32 widened exactly, nulls unset, no array NULLs)
      List<Row> rows = List.of(row(1, List.of(5.1, 3.5, 1.4, 0.2), "a", 0.25f, true, null),
          row(2, null, null, null, null, "column 'input' is null"),
          row(3, Arrays.asList(1.0, null, 2.0), "c", 0.1f, false, null));
      assertThat(chunks.committed(0)).isFalse();
      write(chunks, 0, rows);
      assertThat(table).hasSize(3);
      assertThat(table.get(0)).isEqualTo(map("id", 1L, "input", List.of(5.1, 3.5, 1.4, 0.2), "note", "a",
          "probability", 0.25, "flag", true, "pier_error", null, "job_id", "bj-c", "date", DAY));
      assertThat(table.get(1)).isEqualTo(map("id", 2L, "input", List.of(), "note", null, "probability", null,
          "flag", null, "pier_error", "column 'input' is null", "job_id", "bj-c", "date", DAY));
      assertThat(table.get(2).get("probability")).isEqualTo((double) 0.1f);
      assertThat(table.get(2).get("input")).isEqualTo(List.of(1.0, 2.0));
      int commits = bq.commits.get();
      assertThat(chunks.committed(0)).isTrue(); // a retried task or a resumed job writes nothing again
      assertThat(bq.commits.get()).isEqualTo(commits);

      // chunk 1: 25,001 rows, three append requests at offsets 0, 10,000 and 20,000; the first attempt fails on its
      // first append (nothing visible), the second commits all of them
      List<Row> many = new ArrayList<>();
      for (int i = 0; i < 25_001; i++) {
        many.add(row(100 + i, List.of(i / 10.0), null, (float) i, null, null));
      }
      bq.failNextAppend = true;
      assertThatThrownBy(() -> write(chunks, 1, many)).isInstanceOf(IllegalStateException.class)
          .hasMessage("BigQuery refused rows 0–9999 of chunk 1 for bigquery://proj-one.scores.chunks: stand-in:"
              + " injected append failure");
      assertThat(table).hasSize(3);
      assertThat(chunks.committed(1)).isFalse();
      write(chunks, 1, many);
      assertThat(table).hasSize(3 + 25_001);
      assertThat(table.subList(3, table.size()).stream().map(r -> r.get("id")).toList())
          .isEqualTo(many.stream().map(r -> r.getLong(0)).toList());

      // chunk 2: the commit is done but its answer lost (the attempt dies before recording it): the stream BigQuery
      // reports committed counts, and no retry writes it again
      List<Row> last = List.of(row(9, List.of(0.5), "z", 0.5f, true, null));
      bq.loseNextCommitAnswer = true;
      assertThatThrownBy(() -> write(chunks, 2, last)).hasMessageContaining("the commit's answer was lost");
      assertThat(table).hasSize(3 + 25_001 + 1);
      assertThat(chunks.committed(2)).isTrue();
      assertThat(table.stream().filter(r -> r.get("id").equals(9L))).hasSize(1);
      long committedStreams = bq.streams.values().stream().filter(s -> s.committed != null).count();
      assertThat(committedStreams).isEqualTo(3);
      assertThat(bq.streams).hasSize(4); // the failed attempt's stream, never committed
    }
  }

  /** What a task does with its partition: writes it unless committed already. */
  private static void write(BigQueryChunks chunks, int chunk, List<Row> rows) {
    if (chunks.committed(chunk)) {
      return;
    }
    BigQuerySchema schema = SparkBigQuery.schema(SCORED);
    BigQueryChunks.Chunk c = chunks.open(chunk);
    for (Row r : rows) {
      c.add(schema.encode(SparkBigQuery.values(r), "bj-c", DAY));
    }
    c.commit();
  }

  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }
}
