package dev.pier.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.containers.localstack.LocalStackContainer.Service;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Creates the data stack's core resources in LocalStack exactly as the synthesized template declares them (table
 * keys, index and TTL; the artifacts bucket), points the packaged api app at them and runs a registration and a
 * prediction through its HTTP API. Needs Docker; skipped cleanly without it.
 */
@Testcontainers(disabledWithoutDocker = true)
class LocalStackSmokeTest {
  private static final Path API_JAR = Path.of("../functions/api/target/quarkus-app/quarkus-run.jar");
  private static final Path IRIS = Path.of("../tests/fixtures/models/iris-mlp.onnx");

  @Container
  static final LocalStackContainer LOCALSTACK = new LocalStackContainer(DockerImageName.parse("localstack/localstack:4.4"))
      .withServices(Service.DYNAMODB, Service.S3);

  @Test
  void registersAndServesAModelOnTheResourcesTheDataStackDeclares() throws Exception {
    assumeTrue(Files.isRegularFile(API_JAR), "build the api app first: ./pier build");
    var creds = StaticCredentialsProvider.create(
        AwsBasicCredentials.create(LOCALSTACK.getAccessKey(), LOCALSTACK.getSecretKey()));
    Region region = Region.of(LOCALSTACK.getRegion());
    URI endpoint = LOCALSTACK.getEndpoint();
    String table = "pier-registry-smoke";
    String bucket = "pier-artifacts-smoke";
    try (DynamoDbClient dynamo = DynamoDbClient.builder().endpointOverride(endpoint).region(region)
            .credentialsProvider(creds).build();
        S3Client s3 = S3Client.builder().endpointOverride(endpoint).forcePathStyle(true).region(region)
            .credentialsProvider(creds).build()) {
      createTableAsDeclared(dynamo, table);
      s3.createBucket(b -> b.bucket(bucket));
    }

    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path tmp = Files.createDirectories(Deployments.TARGET.resolve("localstack-smoke"));
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dpier.mode=aws", "-Dpier.region=" + region.id(),
        "-Dpier.aws.dynamodb-endpoint=" + endpoint, "-Dpier.aws.s3-endpoint=" + endpoint,
        "-Dpier.registry.table=" + table, "-Dpier.registry.artifacts-bucket=" + bucket,
        "-Dquarkus.http.port=" + port, "-Djava.io.tmpdir=" + tmp.toAbsolutePath(),
        "-jar", API_JAR.toAbsolutePath().toString())
        .redirectErrorStream(true)
        .redirectOutput(tmp.resolve("api.log").toFile());
    pb.environment().put("AWS_ACCESS_KEY_ID", LOCALSTACK.getAccessKey());
    pb.environment().put("AWS_SECRET_ACCESS_KEY", LOCALSTACK.getSecretKey());
    pb.environment().put("AWS_REGION", region.id());
    Process api = pb.start();
    try {
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + port;
      awaitReady(http, base);

      String boundary = "pier-smoke";
      var register = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/models/iris/versions"))
              .header("Content-Type", "multipart/form-data; boundary=" + boundary)
              .POST(HttpRequest.BodyPublishers.ofByteArray(multipart(boundary)))
              .build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(register.statusCode()).as(register.body()).isEqualTo(201);

      var alias = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/models/iris/aliases/production"))
              .header("Content-Type", "application/json")
              .PUT(HttpRequest.BodyPublishers.ofString("{\"version\": 1}"))
              .build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(alias.statusCode()).as(alias.body()).isEqualTo(200);

      var infer = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/models/iris/infer"))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\","
                  + "\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}]}"))
              .build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(infer.statusCode()).as(infer.body()).isEqualTo(200);
      assertThat(infer.body()).contains("\"model_name\":\"iris\"", "\"model_version\":\"1\"", "probabilities");
    } finally {
      api.destroy();
      api.waitFor();
    }
  }

  /** CreateTable from the synthesized AWS::DynamoDB::Table, so this test breaks if the stack's layout drifts. */
  @SuppressWarnings("unchecked")
  private static void createTableAsDeclared(DynamoDbClient dynamo, String name) {
    var template = Deployments.dev().template(Deployments.dev().stacks().data());
    Map<String, Object> props = Json.properties(template, "AWS::DynamoDB::Table").values().iterator().next();
    var keys = (List<Map<String, String>>) props.get("KeySchema");
    var attributes = (List<Map<String, String>>) props.get("AttributeDefinitions");
    var indexes = (List<Map<String, Object>>) props.get("GlobalSecondaryIndexes");
    var ttl = (Map<String, Object>) props.get("TimeToLiveSpecification");
    dynamo.createTable(b -> b.tableName(name)
        .billingMode(BillingMode.PAY_PER_REQUEST)
        .keySchema(keys.stream().map(LocalStackSmokeTest::key).toList())
        .attributeDefinitions(attributes.stream().map(a -> AttributeDefinition.builder()
            .attributeName(a.get("AttributeName")).attributeType(a.get("AttributeType")).build()).toList())
        .globalSecondaryIndexes(indexes.stream().map(i -> GlobalSecondaryIndex.builder()
            .indexName((String) i.get("IndexName"))
            .keySchema(((List<Map<String, String>>) i.get("KeySchema")).stream().map(LocalStackSmokeTest::key)
                .toList())
            .projection(p -> p.projectionType(
                (String) ((Map<String, Object>) i.get("Projection")).get("ProjectionType")))
            .build()).toList()));
    dynamo.updateTimeToLive(b -> b.tableName(name).timeToLiveSpecification(t -> t
        .attributeName((String) ttl.get("AttributeName")).enabled(true)));
  }

  private static KeySchemaElement key(Map<String, String> k) {
    return KeySchemaElement.builder().attributeName(k.get("AttributeName")).keyType(k.get("KeyType")).build();
  }

  private static void awaitReady(HttpClient http, String base) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        var r = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/health/ready")).build(),
            HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // still starting
      }
      Thread.sleep(250);
    }
    throw new AssertionError("the api app did not become ready; see target/localstack-smoke/api.log");
  }

  private static byte[] multipart(String boundary) throws IOException {
    var out = new ByteArrayOutputStream();
    out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n"
        + "Content-Type: application/json\r\n\r\n{\"framework\":\"onnx\"}\r\n").getBytes(StandardCharsets.UTF_8));
    out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"artifact\"; filename=\"iris.onnx\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    out.writeBytes(Files.readAllBytes(IRIS));
    out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }
}
