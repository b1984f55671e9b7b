package dev.pier.api.lambda;

import dev.pier.runtime.PredictionService;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.api.PierConfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.batch.BatchJob;
import dev.pier.batch.InputFormat;
import dev.pier.batch.InvalidJobError;
import dev.pier.batch.JobEndedError;
import dev.pier.batch.JobState;
import dev.pier.batch.JobsTable;
import dev.pier.batch.Priority;
import dev.pier.batch.S3Uri;
import dev.pier.statemachines.AslDefinition;
import dev.pier.statemachines.StatesError;
import io.quarkus.amazon.lambda.runtime.AmazonLambdaRecorder;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The batch-scoring state machine's tasks through the zip's entry point ({@link PierLambdaHandler}), with the
 * {@code Payload}s its {@code lambda:invoke} states send: a job created in the jobs table (as the control plane
 * creates one; this app's own launcher never sees it) is validated, its chunk scored, its results written and the job
 * finalized by handler calls alone. A task that fails throws the exception whose class name is the error the ASL's
 * Retry and Catch match.
 */
@QuarkusTest
class LambdaBatchTasksTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Four iris rows and one that cannot be scored (three values for four inputs). */
  private static final String ROWS = """
      {"id":1,"input":[5.1,3.5,1.4,0.2]}
      {"id":2,"input":[6.7,3.0,5.2,2.3]}
      {"id":3,"input":[5.9,3.0,4.2,1.5]}
      {"id":4,"input":[5.0,3.4,1.5]}
      {"id":5,"input":[4.9,3.0,1.4,0.2]}
      """;

  @Inject AwsClients aws;

  @Inject PierConfig pierConfig;

  @Inject PredictionService predictionService;

  private final PierLambdaHandler handler = new PierLambdaHandler(() -> { }, AmazonLambdaRecorder::handle);

  @Test
  void aScoreChunkTaskScoresItsRowsAndRecordsTheChunk() throws Exception {
    String id = queuedJob(put("in/" + UUID.randomUUID() + ".jsonl", ROWS));

    JsonNode validated = invoke(task("validate", id).put("execution", id));
    assertThat(validated.path("chunks").asInt()).isEqualTo(1);
    String plan = aws.s3().getObjectAsBytes(b -> b.bucket(bucket()).key(validated.path("plan_key")
        .asText())).asUtf8String();

    ObjectNode scoreChunk = task("score-chunk", id);
    scoreChunk.set("chunks", JSON.readTree(plan)); // what ItemBatcher hands one invocation: {"Items": [...]}
    JsonNode scored = invoke(scoreChunk);

    assertThat(scored.toString()).isEqualTo("{\"succeeded\":4,\"failed\":1}");
    List<JsonNode> results = lines(read("outputs/" + id + "/results/part-00000.jsonl"));
    assertThat(results).extracting(r -> r.path("id").asInt()).containsExactly(1, 2, 3, 5);
    assertThat(results).extracting(r -> r.path("label").asInt()).containsExactly(0, 2, 1, 0);
    assertThat(results.get(0).path("probabilities")).hasSize(3);
    assertThat(read("outputs/" + id + "/errors/part-00000.jsonl"))
        .contains("\"id\":4").contains("needs 4 values per row, got 3");
    assertThat(jobs().chunk(id, 0)).contains(new JobsTable.ChunkCounts(4, 1));

    // a retried invocation (Step Functions retries on timeouts and Lambda errors) scores nothing twice
    assertThat(invoke(scoreChunk).toString()).isEqualTo("{\"succeeded\":4,\"failed\":1}");
    assertThat(invoke(task("write-results", id)).path("manifest").asText())
        .isEqualTo("s3://" + bucket() + "/outputs/" + id + "/manifest.json");
    JsonNode finalized = invoke(task("finalize", id));
    assertThat(finalized.path("state").asText()).isEqualTo("SUCCEEDED");
    assertThat(finalized.path("records").toString()).isEqualTo("{\"total\":5,\"succeeded\":4,\"failed\":1}");
  }

  @Test
  void aJobWhoseInputIsMissingFailsValidationWithAnInvalidJobErrorThatIsNotRetried() throws Exception {
    String id = queuedJob("in/" + UUID.randomUUID() + ".jsonl");

    assertThatThrownBy(() -> invoke(task("validate", id).put("execution", id)))
        .isInstanceOf(InvalidJobError.class)
        .hasMessageContaining("does not exist")
        .satisfies(e -> {
          // Lambda reports the class name; the local runner matches error(): the same name
          assertThat(((StatesError) e).error()).isEqualTo("dev.pier.batch.InvalidJobError");
          assertThat(aslDefinition()).doesNotContain("InvalidJobError"); // caught by States.ALL, never retried
        });
  }

  @Test
  void aChunkOfACancelledJobFailsWithJobEnded() throws Exception {
    String id = queuedJob(put("in/" + UUID.randomUUID() + ".jsonl", ROWS));
    invoke(task("validate", id).put("execution", id));
    jobs().finish(id, JobState.CANCELLED, null);

    ObjectNode scoreChunk = task("score-chunk", id);
    scoreChunk.putArray("chunks").addObject().put("chunk", 0).put("start", 0).put("end", ROWS.length())
        .put("first_line", 1).put("rows", 5);
    assertThatThrownBy(() -> invoke(scoreChunk))
        .isInstanceOf(JobEndedError.class)
        .hasMessageContaining("CANCELLED");
    assertThat(jobs().chunk(id, 0)).isEmpty();
  }

  private JsonNode invoke(JsonNode payload) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    // batch tasks never reach the Lambda context (only the HTTP path hands it on)
    handler.handleRequest(new ByteArrayInputStream(JSON.writeValueAsBytes(payload)), out, null);
    return JSON.readTree(out.toByteArray());
  }

  private static ObjectNode task(String action, String jobId) {
    return JSON.createObjectNode().put("action", action).put("job_id", jobId);
  }

  /** A QUEUED JSONL job of demo@production over {@code key} in the batch bucket. */
  private String queuedJob(String key) {
    String id = "bj-lambda-" + UUID.randomUUID().toString().substring(0, 8);
    int version = predictionService.resolve("demo", "production").version();
    BatchJob job = new BatchJob(id, "demo", "production", version, JobState.QUEUED, Priority.NORMAL,
        new S3Uri(bucket(), key), new S3Uri(bucket(), "outputs/" + id + "/"), InputFormat.JSONL, null, 0, 0, 0,
        Instant.now(), null, null, null, "api", null);
    assertThat(jobs().create(job)).isTrue();
    return id;
  }

  private String put(String key, String body) {
    aws.s3().putObject(b -> b.bucket(bucket()).key(key), RequestBody.fromString(body));
    return key;
  }

  private String read(String key) {
    return aws.s3().getObjectAsBytes(b -> b.bucket(bucket()).key(key)).asUtf8String();
  }

  private static List<JsonNode> lines(String jsonl) {
    return jsonl.lines().map(l -> {
      try {
        return JSON.readTree(l);
      } catch (Exception e) {
        throw new AssertionError(l, e);
      }
    }).toList();
  }

  private static String aslDefinition() throws Exception {
    try (var in = AslDefinition.class.getResourceAsStream("/" + AslDefinition.BATCH_SCORING + ".asl.json")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private JobsTable jobs() {
    return new JobsTable(aws.dynamoDb(), pierConfig.batch().jobsTable());
  }

  private String bucket() {
    return pierConfig.batch().bucket();
  }
}
