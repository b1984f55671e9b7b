package dev.pier.experiments.flags;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.openfeature.sdk.ErrorCode;
import dev.openfeature.sdk.ImmutableContext;
import dev.openfeature.sdk.ProviderEvaluation;
import dev.openfeature.sdk.Value;
import dev.pier.experiments.flags.openfeature.PierFlagProvider;
import dev.pier.experiments.store.ExperimentsTable;
import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.local.LocalAws;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Flags against the DynamoDB stand-in, and the OpenFeature provider against those flags over HTTP. The HTTP server
 * here exposes the real {@link Flags} service on the provider's two routes (the api app's {@code FlagResource} does
 * the same in Pier), so the provider is tested over the wire without starting the whole application.
 */
class FlagsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dataDir;
  private static LocalAws aws;
  private static AwsClients clients;
  private static Flags flags;
  private static HttpServer server;
  private static final AtomicInteger notModified = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    aws = LocalAws.start(dataDir);
    clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
    ExperimentsTable.createIfMissing(clients.dynamoDb(), "experiments");
    flags = new Flags(clients.dynamoDb(), "experiments", Clock.systemUTC());
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/v1/flags", FlagsTest::serve);
    server.start();
  }

  @AfterAll
  static void stop() {
    server.stop(0);
    clients.close();
    aws.close();
  }

  private static void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      int status = 200;
      String body;
      try {
        if (exchange.getRequestMethod().equals("GET")) {
          Flags.Listing listing = flags.listing();
          exchange.getResponseHeaders().add("ETag", "\"" + listing.etag() + "\"");
          String ifNoneMatch = exchange.getRequestHeaders().getFirst("If-None-Match");
          if (ifNoneMatch != null && ifNoneMatch.replace("\"", "").equals(listing.etag())) {
            notModified.incrementAndGet();
            exchange.sendResponseHeaders(304, -1);
            return;
          }
          ObjectNode out = JSON.createObjectNode();
          listing.flags().forEach(f -> out.withArray("flags").add(FlagJson.write(f)));
          body = out.toString();
        } else {
          body = JSON.writeValueAsString(flags.exposures(JSON.readTree(exchange.getRequestBody())));
        }
      } catch (PierException e) {
        status = e.status();
        body = "{\"error\":" + JSON.writeValueAsString(e.getMessage()) + "}";
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, bytes.length);
      exchange.getResponseBody().write(bytes);
    }
  }

  private static String unique(String key) {
    return key + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static JsonNode checkout(String key, double onShare) throws IOException {
    return JSON.readTree("""
        {"key": "KEY", "type": "boolean", "variants": {"on": true, "off": false},
         "rules": [{"conditions": [{"attribute": "country", "operator": "in", "values": ["NL", "BE"]}],
                    "serve": {"rollout": [{"variant": "on", "weight": ON}, {"variant": "off", "weight": OFF}]}}],
         "default": {"variant": "off"}}""".replace("KEY", key).replace("ON", Double.toString(onShare))
        .replace("OFF", Double.toString(1 - onShare)));
  }

  private static PierException failure(Runnable call) {
    try {
      call.run();
    } catch (PierException e) {
      return e;
    }
    throw new AssertionError("expected a PierException");
  }

  @Test
  void anUpdateKeepsTheSeedBumpsTheRevisionAndRefusesAStaleRevision() throws Exception {
    String key = unique("checkout");
    Flag created = flags.create(checkout(key, 0.2));
    assertThat(failure(() -> {
      try {
        flags.create(checkout(key, 0.2));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }).status()).isEqualTo(409);
    ObjectNode change = (ObjectNode) checkout(key, 0.5);
    Flag updated = flags.update(key, change);
    assertThat(updated.seed()).isEqualTo(created.seed());
    assertThat(updated.revision()).isEqualTo(2);
    ObjectNode stale = (ObjectNode) checkout(key, 0.7);
    stale.put("revision", 1);
    assertThat(failure(() -> flags.update(key, stale)).status()).isEqualTo(409);
    assertThat(failure(() -> flags.get(unique("missing"))).status()).isEqualTo(404);
  }

  @Test
  void evaluatingOnTheServerAppliesRulesAndRollouts() throws Exception {
    String key = unique("checkout");
    flags.create(checkout(key, 1.0));
    Evaluation dutch = flags.evaluate(key, JSON.readTree("{\"targeting_key\": \"u1\", \"attributes\": {\"country\": \"NL\"}}"));
    Evaluation french = flags.evaluate(key, JSON.readTree("{\"targeting_key\": \"u1\", \"attributes\": {\"country\": \"FR\"}}"));
    assertThat(dutch.value().asBoolean()).isTrue();
    assertThat(dutch.reason()).isEqualTo("TARGETING_MATCH");
    assertThat(french.variant()).isEqualTo("off");
  }

  @Test
  void exposuresForAnUnknownFlagOrVariantAreA400() throws Exception {
    String key = unique("checkout");
    flags.create(checkout(key, 0.5));
    PierException e = failure(() -> flags.exposures(json("{\"items\": [{\"flag\": \"" + key
        + "\", \"variant\": \"maybe\", \"unit\": \"u1\", \"timestamp\": 1}, {\"flag\": \"nope\", \"variant\": \"on\","
        + " \"unit\": \"u1\", \"timestamp\": 1}]}")));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.getMessage()).contains("has no variant 'maybe'", "items[1].flag: unknown flag 'nope'");
  }

  @Test
  void theProviderEvaluatesLocallyAsTheServerDoesAndReportsExposuresInBatches() throws Exception {
    String key = unique("checkout");
    flags.create(checkout(key, 0.3));
    var provider = new PierFlagProvider(URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
        Duration.ofHours(1), Duration.ofHours(1), Map.of());
    provider.initialize(null);
    try {
      for (int i = 0; i < 300; i++) {
        var ctx = new ImmutableContext("user-" + i, Map.of("country", new Value("BE")));
        ProviderEvaluation<Boolean> local = provider.getBooleanEvaluation(key, false, ctx);
        Evaluation remote = flags.evaluate(key, json("{\"targeting_key\": \"user-" + i
            + "\", \"attributes\": {\"country\": \"BE\"}}"));
        assertThat(local.getVariant()).isEqualTo(remote.variant());
        assertThat(local.getValue()).isEqualTo(remote.value().asBoolean());
      }
      provider.flush();
      var stored = clients.dynamoDb().query(b -> b.tableName("experiments").keyConditionExpression("pk = :pk")
          .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS("FLAG#" + key + "#LOG")))).items();
      int reported = 0;
      for (var item : stored) reported += JSON.readTree(item.get("items").s()).size();
      assertThat(reported).isEqualTo(300);
    } finally {
      provider.shutdown();
    }
  }

  @Test
  void theProviderAnswersTheDefaultForAMissingFlagOrAnotherType() throws Exception {
    String key = unique("checkout");
    flags.create(checkout(key, 0.3));
    var provider = new PierFlagProvider(URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
        Duration.ofHours(1), Duration.ofHours(1), Map.of());
    provider.initialize(null);
    try {
      ProviderEvaluation<String> wrongType = provider.getStringEvaluation(key, "fallback", new ImmutableContext("u1"));
      assertThat(wrongType.getValue()).isEqualTo("fallback");
      assertThat(wrongType.getErrorCode()).isEqualTo(ErrorCode.TYPE_MISMATCH);
      ProviderEvaluation<Boolean> missing = provider.getBooleanEvaluation("no-such-flag", true, new ImmutableContext());
      assertThat(missing.getValue()).isTrue();
      assertThat(missing.getErrorCode()).isEqualTo(ErrorCode.FLAG_NOT_FOUND);
    } finally {
      provider.shutdown();
    }
  }

  @Test
  void theProviderPicksUpAChangedFlagAndAnUnchangedConfigurationCostsA304() throws Exception {
    String key = unique("checkout");
    flags.create(checkout(key, 0.0));
    var provider = new PierFlagProvider(URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
        Duration.ofHours(1), Duration.ofHours(1), Map.of());
    provider.initialize(null);
    try {
      var ctx = new ImmutableContext("u7", Map.of("country", new Value("NL")));
      assertThat(provider.getBooleanEvaluation(key, false, ctx).getValue()).isFalse();
      int before = notModified.get();
      provider.refresh();
      assertThat(notModified.get()).isEqualTo(before + 1);
      flags.update(key, checkout(key, 1.0));
      provider.refresh();
      assertThat(provider.getBooleanEvaluation(key, false, ctx).getValue()).isTrue();
    } finally {
      provider.shutdown();
    }
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
