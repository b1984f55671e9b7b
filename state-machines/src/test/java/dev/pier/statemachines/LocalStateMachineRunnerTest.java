package dev.pier.statemachines;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.pier.local.LocalAws;
import dev.pier.kernel.aws.AwsClients;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The runner against the Amazon States Language specification, for what aws-local-stepfunctions does not run or runs
 * differently: distributed Maps over S3 (ItemReader, ItemBatcher, ResultWriter, tolerated failures), back-off
 * arithmetic, {@code IsPresent: false}, {@code States.StringSplit} on a set of delimiters, stopping.
 */
class LocalStateMachineRunnerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BUCKET = "batch";
  @TempDir static Path dataDir;
  private static LocalAws aws;
  private static AwsClients clients;
  private static S3Client s3;

  @BeforeAll
  static void startS3() throws Exception {
    aws = LocalAws.start(dataDir);
    clients = new AwsClients(new AwsClients.AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
    s3 = clients.s3();
    s3.createBucket(b -> b.bucket(BUCKET));
  }

  @AfterAll
  static void stopS3() {
    clients.close();
    aws.close();
  }

  private static AslDefinition asl(String json) {
    return AslDefinition.parse("test", json.replace('\'', '"'), Map.of());
  }

  private static JsonNode json(String s) throws Exception {
    return JSON.readTree(s.replace('\'', '"'));
  }

  @Test
  void retriesBackOffExponentiallyCappedAtMaxDelay() throws Exception {
    List<Duration> waits = new CopyOnWriteArrayList<>();
    var runner = TestTasks.runner().sleeper((d, e) -> waits.add(d)).build();
    var result = runner.run(asl("""
        {'StartAt': 'T', 'States': {'T': {'Type': 'Task', 'Resource': '%sflaky', 'Parameters': {'fail_times': 4},
          'Retry': [{'ErrorEquals': ['Pier.Transient'], 'IntervalSeconds': 1, 'BackoffRate': 2, 'MaxDelaySeconds': 3,
            'MaxAttempts': 4}], 'End': true}}}""".formatted(TestTasks.PREFIX)), json("{}"), "e1");

    assertThat(result.status()).isEqualTo(LocalStateMachineRunner.ExecutionResult.Status.SUCCEEDED);
    assertThat(result.output().get("attempts").asInt()).isEqualTo(5);
    assertThat(waits).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3),
        Duration.ofSeconds(3));
  }

  @Test
  void isPresentFalseMatchesAFieldThatIsMissing() throws Exception {
    var result = TestTasks.runner().build().run(asl("""
        {'StartAt': 'C', 'States': {'C': {'Type': 'Choice', 'Choices': [{'Variable': '$.missing', 'IsPresent': false,
          'Next': 'Yes'}], 'Default': 'No'}, 'Yes': {'Type': 'Pass', 'Result': 'yes', 'End': true},
          'No': {'Type': 'Pass', 'Result': 'no', 'End': true}}}"""), json("{'x': 1}"), "e");
    assertThat(result.output().asText()).isEqualTo("yes");
  }

  @Test
  void stringSplitSplitsOnEachDelimiterCharacter() throws Exception {
    var result = TestTasks.runner().build().run(AslDefinition.parse("split", """
        {"StartAt": "P", "States": {"P": {"Type": "Pass",
          "Parameters": {"w.$": "States.StringSplit('This.is+a,test=string', '.+,=')"}, "End": true}}}""", Map.of()),
        json("{}"), "e");
    assertThat(result.output().get("w")).isEqualTo(json("['This', 'is', 'a', 'test', 'string']"));
  }

  @Test
  void distributedMapReadsItemsFromS3BatchesThemAndWritesResultsToS3() throws Exception {
    s3.putObject(b -> b.bucket(BUCKET).key("plans/five.json"), RequestBody.fromString("[1, 2, 3, 4, 5]"));
    List<JsonNode> invocations = new CopyOnWriteArrayList<>();
    var runner = TestTasks.runner().items(ItemStore.s3(s3)).task(TestTasks.PREFIX + "sum", (in, ctx) -> {
      invocations.add(in);
      long sum = 0;
      for (JsonNode n : in.get("Items")) {
        sum += n.asLong();
      }
      return JsonNodeFactory.instance.objectNode().put("sum", sum).put("job", in.get("BatchInput").get("job").asText());
    }).build();

    var result = runner.run(asl(distributedMap("'ToleratedFailurePercentage': 0", "sum")),
        json("{'key': 'plans/five.json', 'job': 'j1'}"), "run1");

    assertThat(result.status()).as(result.cause()).isEqualTo(LocalStateMachineRunner.ExecutionResult.Status.SUCCEEDED);
    assertThat(invocations).hasSize(3).allSatisfy(i -> assertThat(i.get("Items").size()).isLessThanOrEqualTo(2));
    String manifestKey = result.output().get("ResultWriterDetails").get("Key").asText();
    assertThat(manifestKey).startsWith("results/").endsWith("/manifest.json");
    JsonNode manifest = JSON.readTree(s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(manifestKey)).asByteArray());
    String succeededKey = manifest.get("ResultFiles").get("SUCCEEDED").get(0).get("Key").asText();
    JsonNode succeeded = JSON.readTree(s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(succeededKey)).asByteArray());
    long total = 0;
    for (JsonNode entry : succeeded) {
      assertThat(entry.get("Status").asText()).isEqualTo("SUCCEEDED");
      total += JSON.readTree(entry.get("Output").asText()).get("sum").asLong();
    }
    assertThat(total).isEqualTo(15);
  }

  @Test
  void distributedMapSucceedsWithinTheToleratedFailurePercentageAndFailsBeyondIt() throws Exception {
    s3.putObject(b -> b.bucket(BUCKET).key("plans/four.json"), RequestBody.fromString("[1, 2, 3, 4]"));
    TaskHandler failsOnThree = (in, ctx) -> {
      if (in.get("Items").get(0).asInt() == 3) {
        throw new StatesError("Pier.BadChunk", "chunk 3 is bad");
      }
      return in;
    };
    var runner = TestTasks.runner().items(ItemStore.s3(s3)).task(TestTasks.PREFIX + "strict", failsOnThree).build();
    JsonNode input = json("{'key': 'plans/four.json', 'job': 'j2'}");

    var tolerated = runner.run(asl(distributedMap("'ToleratedFailurePercentage': 25", "strict")
        .replace("'MaxItemsPerBatch': 2", "'MaxItemsPerBatch': 1")), input, "tolerant");
    var exceeded = runner.run(asl(distributedMap("'ToleratedFailurePercentage': 20", "strict")
        .replace("'MaxItemsPerBatch': 2", "'MaxItemsPerBatch': 1")), input, "strict");

    assertThat(tolerated.status()).isEqualTo(LocalStateMachineRunner.ExecutionResult.Status.SUCCEEDED);
    String base = tolerated.output().get("ResultWriterDetails").get("Key").asText().replace("manifest.json", "");
    JsonNode failed = JSON.readTree(s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(base + "FAILED_0.json")).asByteArray());
    assertThat(failed).hasSize(1);
    assertThat(failed.get(0).get("Error").asText()).isEqualTo("Pier.BadChunk");
    assertThat(exceeded.status()).isEqualTo(LocalStateMachineRunner.ExecutionResult.Status.FAILED);
    assertThat(exceeded.error()).isEqualTo(StatesError.EXCEED_TOLERATED_FAILURE_THRESHOLD);
  }

  @Test
  void itemReaderReadsCsvWithAHeaderRowAndJsonLines() throws Exception {
    s3.putObject(b -> b.bucket(BUCKET).key("in/rows.csv"),
        RequestBody.fromString("id,name\n1,\"a, b\"\n2,\"say \"\"hi\"\"\"\n", StandardCharsets.UTF_8));
    s3.putObject(b -> b.bucket(BUCKET).key("in/rows.jsonl"), RequestBody.fromString("{\"n\":1}\n{\"n\":2}\n"));
    var runner = TestTasks.runner().items(ItemStore.s3(s3)).build();
    String def = """
        {'StartAt': 'M', 'States': {'M': {'Type': 'Map', 'ItemReader': {'Resource': 'arn:aws:states:::s3:getObject',
          'ReaderConfig': {'InputType': '%s'}, 'Parameters': {'Bucket': 'batch', 'Key': '%s'}},
          'ItemProcessor': {'ProcessorConfig': {'Mode': 'DISTRIBUTED', 'ExecutionType': 'EXPRESS'}, 'StartAt': 'P',
          'States': {'P': {'Type': 'Pass', 'End': true}}}, 'End': true}}}""";

    var csv = runner.run(asl(def.formatted("CSV", "in/rows.csv")), json("{}"), "csv");
    var jsonl = runner.run(asl(def.formatted("JSONL", "in/rows.jsonl")), json("{}"), "jsonl");

    assertThat(csv.output()).isEqualTo(JSON.readTree(
        "[{\"id\":\"1\",\"name\":\"a, b\"},{\"id\":\"2\",\"name\":\"say \\\"hi\\\"\"}]"));
    assertThat(jsonl.output()).isEqualTo(JSON.readTree("[{\"n\":1},{\"n\":2}]"));
  }

  @Test
  void aStoppedExecutionEndsAbortedWithoutRunningItsNextState() throws Exception {
    CountDownLatch inTask = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger after = new AtomicInteger();
    var runner = TestTasks.runner()
        .task("local:block", (in, ctx) -> {
          inTask.countDown();
          release.await(5, TimeUnit.SECONDS);
          return in;
        })
        .task("local:after", (in, ctx) -> {
          after.incrementAndGet();
          return in;
        }).build();
    var execution = runner.execution(asl("""
        {'StartAt': 'A', 'States': {'A': {'Type': 'Task', 'Resource': 'local:block', 'Next': 'B'},
          'B': {'Type': 'Task', 'Resource': 'local:after', 'End': true}}}"""), "stop-me");
    var result = new java.util.concurrent.atomic.AtomicReference<LocalStateMachineRunner.ExecutionResult>();
    Thread thread = Thread.ofVirtual().start(() -> {
      try {
        result.set(runner.run(execution, json("{}")));
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    inTask.await(5, TimeUnit.SECONDS);
    execution.stop();
    release.countDown();
    thread.join(5000);

    assertThat(result.get().status()).isEqualTo(LocalStateMachineRunner.ExecutionResult.Status.ABORTED);
    assertThat(after.get()).isZero();
  }

  private static String distributedMap(String tolerance, String function) {
    return """
        {'StartAt': 'M', 'States': {'M': {'Type': 'Map',
          'ItemReader': {'Resource': 'arn:aws:states:::s3:getObject', 'ReaderConfig': {'InputType': 'JSON'},
            'Parameters': {'Bucket': 'batch', 'Key.$': '$.key'}},
          'ItemBatcher': {'MaxItemsPerBatch': 2, 'BatchInput': {'job.$': '$.job'}},
          'MaxConcurrency': 2, %s,
          'ItemProcessor': {'ProcessorConfig': {'Mode': 'DISTRIBUTED', 'ExecutionType': 'STANDARD'}, 'StartAt': 'T',
            'States': {'T': {'Type': 'Task', 'Resource': '%s%s', 'End': true}}},
          'ResultWriter': {'Resource': 'arn:aws:states:::s3:putObject',
            'Parameters': {'Bucket': 'batch', 'Prefix': 'results'}},
          'End': true}}}""".formatted(tolerance, TestTasks.PREFIX, function);
  }
}
