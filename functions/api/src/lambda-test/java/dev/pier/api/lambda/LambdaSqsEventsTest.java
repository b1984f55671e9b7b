package dev.pier.api.lambda;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.api.PierConfig;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.async.AsyncTable;
import io.quarkus.amazon.lambda.runtime.AmazonLambdaRecorder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The zip's entry point ({@link PierLambdaHandler}) in the lambda build: SQS events from the async predictions queue
 * run the async worker and answer a partial batch response; API Gateway events still reach the REST app. No
 * in-process worker runs here ({@code pier.async.workers=0}), so only the handler can finish a queued prediction.
 * The HTTP side is Quarkus' own Lambda dispatch ({@link AmazonLambdaRecorder#handle}) in the app the test started;
 * booting through {@code QuarkusStreamHandler} is checked end to end by {@code ./pier bench lambda}.
 */
@QuarkusTest
@TestProfile(LambdaSqsEventsTest.NoLocalWorker.class)
class LambdaSqsEventsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROW =
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}]}";

  public static class NoLocalWorker implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("pier.async.workers", "0");
    }
  }

  @Inject AwsClients aws;

  @Inject PierConfig pierConfig;

  private final PierLambdaHandler handler = new PierLambdaHandler(() -> { }, AmazonLambdaRecorder::handle);

  private static String submitAsync() {
    return given().contentType(ContentType.JSON).header("Prefer", "respond-async").body(ROW)
        .post("/v2/models/demo/infer").then().statusCode(202).extract().path("id");
  }

  private static JsonNode prediction(String id) throws Exception {
    return JSON.readTree(given().get("/api/v1/predictions/" + id).then().statusCode(200).extract().asString());
  }

  /** An SQS event as the event source mapping delivers it: {@code messageIdsAndBodies} in pairs. */
  private static String sqsEvent(String... messageIdsAndBodies) {
    ObjectNode e = JSON.createObjectNode();
    ArrayNode records = e.putArray("Records");
    for (int i = 0; i < messageIdsAndBodies.length; i += 2) {
      ObjectNode r = records.addObject();
      r.put("messageId", messageIdsAndBodies[i]);
      r.put("receiptHandle", "handle-" + i);
      r.put("body", messageIdsAndBodies[i + 1]);
      r.putObject("attributes").put("ApproximateReceiveCount", "1").put("SentTimestamp", "1764201600000");
      r.putObject("messageAttributes");
      r.put("md5OfBody", "0");
      r.put("eventSource", "aws:sqs");
      r.put("eventSourceARN", "arn:aws:sqs:us-east-1:123456789012:pier-dev-workers-AsyncPredictions");
      r.put("awsRegion", "us-east-1");
    }
    return e.toString();
  }

  private JsonNode invoke(String event) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    handler.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out, CONTEXT);
    return JSON.readTree(out.toByteArray());
  }

  @Test
  void anSqsEventRunsTheQueuedPredictionAndAcknowledgesItsMessage() throws Exception {
    String id = submitAsync();
    assertThat(prediction(id).path("state").asText()).isEqualTo("QUEUED");

    JsonNode response = invoke(sqsEvent("m-1", id));

    assertThat(response.toString()).isEqualTo("{\"batchItemFailures\":[]}");
    JsonNode done = prediction(id);
    assertThat(done.path("state").asText()).isEqualTo("SUCCEEDED");
    assertThat(done.path("attempts").asInt()).isEqualTo(1);
    assertThat(done.path("response").path("outputs").get(1).path("data").get(0).asInt()).isEqualTo(0);
  }

  @Test
  void aPredictionAnotherWorkerHoldsIsReportedAsABatchItemFailureWhileAnUnknownIdIsAcknowledged() throws Exception {
    String held = submitAsync();
    new AsyncTable(aws.dynamoDb(), pierConfig.async().table())
        .claim(held, Duration.ofMinutes(5), Instant.now()).orElseThrow();

    JsonNode response = invoke(sqsEvent("m-held", held, "m-gone", UUID.randomUUID().toString()));

    assertThat(response.toString()).isEqualTo("{\"batchItemFailures\":[{\"itemIdentifier\":\"m-held\"}]}");
    assertThat(prediction(held).path("state").asText()).isEqualTo("RUNNING");
  }

  @Test
  void anApiGatewayEventThroughTheSameHandlerGetsThePrediction() throws Exception {
    ObjectNode e = JSON.createObjectNode();
    e.put("version", "2.0");
    e.put("routeKey", "$default");
    e.put("rawPath", "/v2/models/demo/infer");
    e.put("rawQueryString", "");
    e.putObject("headers").put("content-type", "application/json").put("host", "pier.example.com");
    ObjectNode ctx = e.putObject("requestContext");
    ctx.put("requestId", "req-1");
    ctx.put("routeKey", "$default");
    ctx.put("stage", "$default");
    ObjectNode http = ctx.putObject("http");
    http.put("method", "POST");
    http.put("path", "/v2/models/demo/infer");
    http.put("protocol", "HTTP/1.1");
    http.put("sourceIp", "203.0.113.7");
    e.put("body", ROW);
    e.put("isBase64Encoded", false);

    JsonNode response = invoke(e.toString());

    assertThat(response.path("statusCode").asInt()).isEqualTo(200);
    JsonNode body = JSON.readTree(response.path("body").asText());
    assertThat(body.path("model_name").asText()).isEqualTo("demo");
    assertThat(body.path("outputs").get(1).path("data").get(0).asInt()).isEqualTo(0);
  }

  private static final Context CONTEXT = new Context() {
    @Override
    public String getAwsRequestId() {
      return "11111111-2222-3333-4444-555555555555";
    }

    @Override
    public String getLogGroupName() {
      return "/aws/lambda/pier-dev-async-worker";
    }

    @Override
    public String getLogStreamName() {
      return "2026/11/28/[1]0";
    }

    @Override
    public String getFunctionName() {
      return "pier-dev-async-worker";
    }

    @Override
    public String getFunctionVersion() {
      return "1";
    }

    @Override
    public String getInvokedFunctionArn() {
      return "arn:aws:lambda:us-east-1:123456789012:function:pier-dev-async-worker:live";
    }

    @Override
    public CognitoIdentity getIdentity() {
      return null;
    }

    @Override
    public ClientContext getClientContext() {
      return null;
    }

    @Override
    public int getRemainingTimeInMillis() {
      return 50_000;
    }

    @Override
    public int getMemoryLimitInMB() {
      return 2048;
    }

    @Override
    public LambdaLogger getLogger() {
      return null;
    }
  };
}
