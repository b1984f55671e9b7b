package dev.pier.api;

import dev.pier.kernel.aws.AwsClients;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.UUID;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Benchmark, not run by default: the same rows of the demo model scored from Parquet (Snappy, row groups of 100,000
 * rows, one column per feature) and from JSONL, in-process on the local stand-ins, each on a fresh version so both use
 * the configured chunk size. Prints rows/s of the job (validate → finalize) and of scoring alone.
 *
 * <p>{@code ./mvnw -q -pl functions/api -am verify -Dtest=BatchFormatThroughputTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dbench.batch-rows=500000}
 */
@QuarkusTest
@EnabledIfSystemProperty(named = "bench.batch-rows", matches = "\\d+")
class BatchFormatThroughputTest {
  @Inject AwsClients aws;

  private String freshModel() {
    String model = "tp-" + UUID.randomUUID().toString().substring(0, 8);
    given().multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
        .multiPart("metadata", "{\"framework\":\"onnx\"}")
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201);
    return model;
  }

  private JsonPath run(String model, String key) throws InterruptedException {
    String id = given().contentType(ContentType.JSON)
        .body("{\"model\": \"" + model + "\", \"version\": \"1\", \"input\": \"s3://pier-batch/" + key + "\"}")
        .post("/api/v1/batch-jobs").then().statusCode(201).extract().path("id");
    while (true) {
      JsonPath job = given().get("/api/v1/batch-jobs/" + id).then().statusCode(200).extract().jsonPath();
      if (!job.getString("state").matches("QUEUED|RUNNING")) {
        return job;
      }
      Thread.sleep(100);
    }
  }

  @Test
  void parquetAndJsonlThroughput() throws Exception {
    int rows = Integer.parseInt(System.getProperty("bench.batch-rows"));
    MessageType schema = MessageTypeParser.parseMessageType("message rows { required int64 id; required float a;"
        + " required float b; required float c; required float d; }");
    Path parquet = Files.createTempFile("pier-bench", ".parquet");
    Files.delete(parquet);
    Random random = new Random(42);
    StringBuilder jsonl = new StringBuilder(rows * 48);
    try (var w = ExampleParquetWriter.builder(new LocalOutputFile(parquet)).withConf(new PlainParquetConfiguration())
        .withType(schema).withCompressionCodec(CompressionCodecName.SNAPPY).withRowGroupRowCountLimit(100_000).build()) {
      SimpleGroupFactory groups = new SimpleGroupFactory(schema);
      for (int i = 0; i < rows; i++) {
        float a = 4 + random.nextInt(40) / 10f;
        float b = 2 + random.nextInt(20) / 10f;
        float c = 1 + random.nextInt(60) / 10f;
        float d = random.nextInt(25) / 10f;
        Group g = groups.newGroup().append("id", (long) i).append("a", a).append("b", b).append("c", c).append("d", d);
        w.write(g);
        jsonl.append("{\"id\":").append(i).append(",\"input\":[").append(a).append(',').append(b).append(',')
            .append(c).append(',').append(d).append("]}\n");
      }
    }
    var s3 = aws.s3();
    s3.putObject(b -> b.bucket("pier-batch").key("bench/rows.parquet"), RequestBody.fromFile(parquet));
    s3.putObject(b -> b.bucket("pier-batch").key("bench/rows.jsonl"), RequestBody.fromString(jsonl.toString()));
    System.out.printf("input: %,d rows; Parquet %,d bytes, JSONL %,d bytes%n", rows, Files.size(parquet),
        jsonl.length());
    Files.delete(parquet);

    for (String key : new String[] {"bench/rows.parquet", "bench/rows.jsonl"}) {
      JsonPath job = run(freshModel(), key);
      assertThat(job.getString("state")).isEqualTo("SUCCEEDED");
      assertThat(job.getLong("records.succeeded")).isEqualTo(rows);
      System.out.printf("%s: job %,d rows/s (validate → finalize), scoring %,d rows/s, %d chunks, est. $%s%n",
          key, job.getLong("records_per_second"), job.getLong("scoring_records_per_second"),
          job.getInt("plan.chunks"), job.getString("estimated_cost_usd.total"));
    }
  }
}
