package dev.pier.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batch scoring as a user runs it: {@code aws s3 cp} (awscli, endpoint from the data dir's local.env) of a JSONL file
 * under {@code incoming/demo/}, then {@code kill -9} of {@code ./pier up} while the job runs, then a restart: the job
 * resumes and its output holds every row exactly once.
 */
class BatchRecoveryTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ROWS = 30_000;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  @TempDir Path dataDir;
  private Process server;
  private int port;

  @AfterEach
  void stop() {
    if (server != null && server.isAlive()) {
      server.destroyForcibly();
    }
  }

  private void up() throws Exception {
    // Small chunks, one at a time: the job takes long enough to be killed halfway.
    server = PierUp.start(dataDir, Map.of("PIER_BATCH_CHUNK_ROWS", "1000", "PIER_BATCH_CONCURRENCY", "1",
        "PIER_BATCH_WATCH_INTERVAL", "200ms"), p -> {
          port = p;
          return get("/v2/health/ready").statusCode();
        }).process();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode onlyJob() throws Exception {
    JsonNode jobs = JSON.readTree(get("/api/v1/batch-jobs").body()).get("jobs");
    return jobs.isEmpty() ? null : jobs.get(0);
  }

  private String aws(Properties env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("/usr/bin/aws", "--endpoint-url",
        env.getProperty("AWS_ENDPOINT_URL_S3")));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    for (String k : env.stringPropertyNames()) {
      pb.environment().put(k, env.getProperty(k));
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as(out).isTrue();
    return out;
  }

  @Test
  void aJobKilledWithSigkillMidwayFinishesAfterARestartWithEveryRowExactlyOnce() throws Exception {
    Path input = dataDir.resolveSibling(dataDir.getFileName() + "-rows.jsonl");
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < ROWS; i++) {
      rows.append("{\"id\":").append(i).append(",\"input\":[5.1,3.5,1.4,").append(i % 25 / 10.0).append("]}\n");
    }
    Files.writeString(input, rows);
    up();
    Properties env = new Properties();
    try (var r = Files.newBufferedReader(dataDir.resolve("local.env"))) {
      env.load(r);
    }

    aws(env, "s3", "cp", input.toString(), "s3://" + env.getProperty("PIER_BATCH_BUCKET") + "/incoming/demo/rows.jsonl");
    JsonNode job = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      job = onlyJob();
      if (job != null && job.get("records").get("succeeded").asLong() > 0) {
        break;
      }
      Thread.sleep(20);
    }
    server.destroyForcibly().waitFor(); // SIGKILL
    assertThat(job).isNotNull();
    assertThat(job.get("state").asText()).isEqualTo("RUNNING");
    assertThat(job.get("records").get("succeeded").asLong()).isBetween(1L, ROWS - 1L);

    up();
    deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline && onlyJob().get("state").asText().matches("QUEUED|RUNNING")) {
      Thread.sleep(100);
    }
    job = onlyJob();
    assertThat(job.get("state").asText()).isEqualTo("SUCCEEDED");
    assertThat(job.get("records").get("total").asLong()).isEqualTo(ROWS);
    assertThat(job.get("records").get("succeeded").asLong()).isEqualTo(ROWS);
    assertThat(JSON.readTree(get("/api/v1/batch-jobs").body()).get("jobs")).hasSize(1); // the upload was not re-run

    Path out = Files.createDirectories(dataDir.resolveSibling(dataDir.getFileName() + "-out"));
    aws(env, "s3", "cp", "--recursive", job.get("output").asText() + "results/", out.toString());
    BitSet seen = new BitSet(ROWS);
    long lines = 0;
    try (var files = Files.list(out)) {
      for (Path f : files.toList()) {
        for (String line : Files.readAllLines(f)) {
          int id = JSON.readTree(line).get("id").asInt();
          assertThat(seen.get(id)).as("row %d written once", id).isFalse();
          seen.set(id);
          lines++;
        }
      }
    }
    assertThat(lines).isEqualTo(ROWS);
    assertThat(seen.cardinality()).isEqualTo(ROWS);
  }
}
