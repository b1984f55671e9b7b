package dev.pier.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Random;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * End-to-end batch throughput against a running {@code ./pier up}: writes ROWS JSONL rows for the demo model (iris,
 * FP32 [-1, 4]), uploads them under {@code incoming/demo/} of the local batch bucket (endpoint and keys from the data
 * dir's local.env, as a user would), and times upload → job SUCCEEDED (the output, errors file and manifest written).
 * Prints rows/s for the job (from the API) and for the whole path.
 *
 * <p>Usage: {@code BatchThroughput DATA_DIR PORT [ROWS]} ({@code ./pier bench batch} starts the server and runs it)
 */
public final class BatchThroughput {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    Path dataDir = Path.of(args[0]);
    int port = Integer.parseInt(args[1]);
    int rows = args.length > 2 ? Integer.parseInt(args[2]) : 1_000_000;
    Properties env = new Properties();
    try (var r = Files.newBufferedReader(dataDir.resolve("local.env"))) {
      env.load(r);
    }
    Path file = Files.createTempFile("pier-batch-bench", ".jsonl");
    Random random = new Random(42);
    try (BufferedWriter w = Files.newBufferedWriter(file)) {
      for (int i = 0; i < rows; i++) {
        w.write("{\"id\":" + i + ",\"input\":[" + (4 + random.nextInt(40) / 10.0) + "," + (2 + random.nextInt(20) / 10.0)
            + "," + (1 + random.nextInt(60) / 10.0) + "," + (random.nextInt(25) / 10.0) + "]}\n");
      }
    }
    System.out.printf("input: %,d rows, %,d bytes%n", rows, Files.size(file));
    HttpClient http = HttpClient.newHttpClient();
    try (S3Client s3 = S3Client.builder().httpClient(UrlConnectionHttpClient.create())
        .endpointOverride(URI.create(env.getProperty("AWS_ENDPOINT_URL_S3"))).forcePathStyle(true)
        .region(Region.of(env.getProperty("AWS_REGION")))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
            env.getProperty("AWS_ACCESS_KEY_ID"), env.getProperty("AWS_SECRET_ACCESS_KEY")))).build()) {
      String key = "incoming/demo/bench-" + System.currentTimeMillis() + ".jsonl";
      long t0 = System.nanoTime();
      s3.putObject(b -> b.bucket(env.getProperty("PIER_BATCH_BUCKET")).key(key), file);
      long uploaded = System.nanoTime();
      JsonNode job = null;
      long lastPrint = 0;
      while (true) {
        JsonNode jobs = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + port + "/api/v1/batch-jobs?model=demo")).build(),
            HttpResponse.BodyHandlers.ofString()).body()).get("jobs");
        for (JsonNode j : jobs) {
          if (j.get("input").asText().endsWith(key)) {
            job = j;
          }
        }
        if (job != null && !job.get("state").asText().matches("QUEUED|RUNNING")) {
          break;
        }
        if (job != null && System.nanoTime() - lastPrint > 1_000_000_000L) {
          lastPrint = System.nanoTime();
          System.out.printf("  %s: %s of %s rows, %s rows/s, eta %s s%n", job.get("state").asText(),
              job.get("records").get("succeeded"), job.get("records").get("total"),
              job.path("records_per_second"), job.path("eta_seconds"));
        }
        Thread.sleep(100);
      }
      long done = System.nanoTime();
      double uploadS = (uploaded - t0) / 1e9;
      double totalS = (done - t0) / 1e9;
      System.out.println("job: " + job.toPrettyString());
      System.out.printf("upload %.2f s; upload → SUCCEEDED %.2f s; end to end %,.0f rows/s; job (validate → finalize)"
          + " %s rows/s%n", uploadS, totalS, rows / totalS, job.path("records_per_second"));
      if (!job.get("state").asText().equals("SUCCEEDED") || job.get("records").get("succeeded").asLong() != rows) {
        throw new AssertionError("the job did not score every row: " + job);
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
