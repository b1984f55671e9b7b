package dev.pier.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.PierException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;

/** Push and online reads against the DynamoDB stand-in, through a real SDK client that records its requests. */
class OnlineFeaturesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

  @TempDir static Path dataDir;
  private static StandIns standIns;
  private static DynamoDbClient dynamo;
  private static final List<BatchGetItemRequest> batchGets = new CopyOnWriteArrayList<>();
  private static ExecutorService pool;
  private static final java.util.concurrent.atomic.AtomicInteger transactions =
      new java.util.concurrent.atomic.AtomicInteger();
  private static int tables;
  private FeatureRegistry registry;
  private OnlineStore store;
  private FeaturePush push;
  private OnlineFeatures online;

  @BeforeAll
  static void startStandIns() throws Exception {
    standIns = new StandIns(dataDir);
    dynamo = DynamoDbClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.US_EAST_1)
        .endpointOverride(URI.create(standIns.aws.dynamoDbEndpoint().toString()))
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(standIns.aws.accessKeyId(), standIns.aws.secretAccessKey())))
        .overrideConfiguration(c -> c.addExecutionInterceptor(new ExecutionInterceptor() {
          @Override
          public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (context.request() instanceof BatchGetItemRequest r) {
              batchGets.add(r);
            }
            if (context.request() instanceof software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest) {
              transactions.incrementAndGet();
            }
          }
        })).build();
    pool = Executors.newFixedThreadPool(8);
  }

  @AfterAll
  static void stopStandIns() {
    pool.shutdownNow();
    dynamo.close();
    standIns.close();
  }

  @BeforeEach
  void start() {
    int t = ++tables; // fresh tables per test on the shared stand-ins
    FeatureRegistry.createTableIfMissing(dynamo, "features-" + t);
    OnlineStore.createTableIfMissing(dynamo, "features-online-" + t);
    registry = new FeatureRegistry(dynamo, "features-" + t, Duration.ofMinutes(5), Clock.systemUTC());
    registry.apply(DefinitionsParser.parse(DefinitionsParserTest.DRIVERS), false, null);
    store = new OnlineStore(dynamo, "features-online-" + t, pool);
    push = new FeaturePush(registry, store, null);
    online = new OnlineFeatures(registry, store, Clock.fixed(NOW, ZoneOffset.UTC));
  }


  private FeaturePush.PushResult push(String df) throws Exception {
    return push.push("driver_push", JSON.readTree(df), FeaturePush.Target.ONLINE);
  }

  private JsonNode read(String request) throws Exception {
    JsonNode r = JSON.readTree(request);
    List<String> features = new ArrayList<>();
    r.path("features").forEach(f -> features.add(f.asText()));
    Map<String, JsonNode> entities = new LinkedHashMap<>();
    r.path("entities").fields().forEachRemaining(e -> entities.put(e.getKey(), e.getValue()));
    return FeastJson.online(online.read(features, r.path("feature_service").asText(null), entities,
        r.path("full_feature_names").asBoolean(false)));
  }

  @Test
  void pushedRowsAreServedInFeastsShapeWithEntityColumnsFirst() throws Exception {
    push("""
        {"driver_id": [1001, 1002], "conv_rate": [0.5, 0.25], "trips": [7, 9], "city": ["Oslo", "Rome"],
         "event_timestamp": ["2026-12-06T11:00:00Z", "2026-12-06T11:30:00Z"]}""");

    JsonNode answer = read("""
        {"features": ["driver_hourly_stats:conv_rate", "driver_hourly_stats:trips"],
         "entities": {"driver_id": [1001, 1002, 9999]}}""");

    assertThat(answer.toString()).isEqualTo(JSON.readTree("""
        {"metadata": {"feature_names": ["driver_id", "conv_rate", "trips"]},
         "results": [
           {"values": [1001, 1002, 9999], "statuses": ["PRESENT", "PRESENT", "PRESENT"],
            "event_timestamps": ["1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"]},
           {"values": [0.5, 0.25, null], "statuses": ["PRESENT", "PRESENT", "NOT_FOUND"],
            "event_timestamps": ["2026-12-06T11:00:00Z", "2026-12-06T11:30:00Z", "1970-01-01T00:00:00Z"]},
           {"values": [7, 9, null], "statuses": ["PRESENT", "PRESENT", "NOT_FOUND"],
            "event_timestamps": ["2026-12-06T11:00:00Z", "2026-12-06T11:30:00Z", "1970-01-01T00:00:00Z"]}]}
        """).toString());
  }

  @Test
  void fullFeatureNamesPrefixTheViewAsFeastDoes() throws Exception {
    JsonNode answer = read("""
        {"feature_service": "driver_activity", "entities": {"driver_id": [1]}, "full_feature_names": true}""");

    assertThat(answer.path("metadata").path("feature_names").toString())
        .isEqualTo("[\"driver_id\",\"driver_hourly_stats__conv_rate\",\"driver_hourly_stats__trips\"]");
  }

  @Test
  void anOlderRowNeverReplacesANewerOne() throws Exception {
    push("""
        {"driver_id": [1001], "conv_rate": [0.9], "trips": [10], "city": ["Oslo"],
         "event_timestamp": ["2026-12-06T11:00:00Z"]}""");

    FeaturePush.PushResult late = push("""
        {"driver_id": [1001], "conv_rate": [0.1], "trips": [1], "city": ["Oslo"],
         "event_timestamp": ["2026-12-06T10:00:00Z"]}""");

    assertThat(late.writtenOnline()).containsEntry("driver_hourly_stats", 0);
    JsonNode answer = read("""
        {"features": ["driver_hourly_stats:trips"], "entities": {"driver_id": [1001]}}""");
    assertThat(answer.at("/results/1/values/0").asLong()).isEqualTo(10);
  }

  @Test
  void aTieOnEventTimeGoesToTheGreaterCreatedTimeSentOrElseTheArrival() throws Exception {
    push("""
        {"driver_id": [7, 7], "conv_rate": [0.3, 0.9], "trips": [3, 9], "city": ["a", "b"],
         "created": ["2026-12-06T11:05:00Z", "2026-12-06T11:01:00Z"],
         "event_timestamp": ["2026-12-06T11:00:00Z", "2026-12-06T11:00:00Z"]}""");
    String trips = """
        {"features": ["driver_hourly_stats:trips"], "entities": {"driver_id": [7]}}""";
    assertThat(read(trips).at("/results/1/values/0").asLong()).isEqualTo(3); // within the push: created 11:05

    FeaturePush.PushResult older = push("""
        {"driver_id": [7], "conv_rate": [0.5], "trips": [5], "city": ["c"], "created": ["2026-12-06T11:02:00Z"],
         "event_timestamp": ["2026-12-06T11:00:00Z"]}""");
    assertThat(older.writtenOnline()).containsEntry("driver_hourly_stats", 0);
    assertThat(read(trips).at("/results/1/values/0").asLong()).isEqualTo(3);

    // no created column sent: the rows were created when they arrived, after 11:05
    FeaturePush.PushResult arrived = push("""
        {"driver_id": [7], "conv_rate": [0.6], "trips": [6], "city": ["d"],
         "event_timestamp": ["2026-12-06T11:00:00Z"]}""");
    assertThat(arrived.writtenOnline()).containsEntry("driver_hourly_stats", 1);
    assertThat(read(trips).at("/results/1/values/0").asLong()).isEqualTo(6);
  }

  @Test
  void withinOnePushTheNewestRowOfAKeyWins() throws Exception {
    push("""
        {"driver_id": [5, 5, 5], "conv_rate": [0.3, 0.9, 0.1], "trips": [3, 9, 1], "city": ["a", "b", "c"],
         "event_timestamp": ["2026-12-06T10:00:00Z", "2026-12-06T11:00:00Z", "2026-12-06T09:00:00Z"]}""");

    JsonNode answer = read("""
        {"features": ["driver_hourly_stats:trips"], "entities": {"driver_id": [5]}}""");

    assertThat(answer.at("/results/1/values/0").asLong()).isEqualTo(9);
  }

  @Test
  void manyRowsGoAsTransactionsOfAHundredAndAStoredNewerValueStillWins() throws Exception {
    FeatureView view = registry.catalog().view("driver_hourly_stats");
    Instant t = Instant.parse("2026-12-06T11:00:00Z");
    // drivers 0..9 already hold a value newer than what the batch brings
    List<OnlineStore.Row> newer = new ArrayList<>();
    for (long d = 0; d < 10; d++) {
      newer.add(new OnlineStore.Row(List.of(d), t.plusSeconds(60), Map.of("conv_rate", 0.9, "trips", 900L)));
    }
    store.write(view, newer);
    List<OnlineStore.Row> rows = new ArrayList<>();
    for (long d = 0; d < 250; d++) {
      rows.add(new OnlineStore.Row(List.of(d), t, Map.of("conv_rate", 0.1, "trips", d)));
    }
    rows.add(new OnlineStore.Row(List.of(20L), t.minusSeconds(60), Map.of("conv_rate", 0.1, "trips", -1L))); // older
    int before = transactions.get();

    int written = store.write(view, rows);

    assertThat(written).isEqualTo(240);
    assertThat(transactions.get() - before).as("3 transactions of ≤ 100, each sent again once without the puts"
        + " whose condition failed (only the first holds any)").isEqualTo(4);
    JsonNode answer = read("""
        {"features": ["driver_hourly_stats:trips"], "entities": {"driver_id": [0, 9, 10, 20, 249]}}""");
    assertThat(answer.at("/results/1/values").toString()).isEqualTo("[900,900,10,20,249]");
  }

  @Test
  void aValueOlderThanTheViewsTtlIsOutsideMaxAgeAndNull() throws Exception {
    push("""
        {"driver_id": [1001], "conv_rate": [0.9], "trips": [10], "city": ["Oslo"],
         "event_timestamp": ["2026-12-05T11:59:59Z"]}""");

    JsonNode answer = read("""
        {"features": ["driver_hourly_stats:trips"], "entities": {"driver_id": [1001]}}""");

    assertThat(answer.at("/results/1/statuses/0").asText()).isEqualTo("OUTSIDE_MAX_AGE");
    assertThat(answer.at("/results/1/values/0").isNull()).isTrue();
  }

  @Test
  void aNullFeatureOfAStoredKeyIsNullValue() throws Exception {
    push("""
        {"driver_id": [1001], "conv_rate": [null], "trips": [10], "city": ["Oslo"],
         "event_timestamp": ["2026-12-06T11:00:00Z"]}""");

    JsonNode answer = read("""
        {"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": [1001]}}""");

    assertThat(answer.at("/results/1/statuses/0").asText()).isEqualTo("NULL_VALUE");
  }

  @Test
  void aPushThatDoesNotMatchTheSchemaWritesNothing() throws Exception {
    assertThatThrownBy(() -> push("""
        {"driver_id": [1001, 1002], "conv_rate": [0.5, "high"], "trips": [7, 9], "city": ["Oslo", "Rome"],
         "event_timestamp": ["2026-12-06T11:00:00Z", "2026-12-06T11:00:00Z"]}"""))
        .isInstanceOfSatisfying(PierException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.getMessage()).isEqualTo("df.conv_rate[1]: expected FLOAT32, got text \"high\"; nothing written");
        });
    assertThatThrownBy(() -> push("""
        {"driver_id": [1001], "conv_rate": [0.5], "speed": [3], "city": ["Oslo"],
         "event_timestamp": ["2026-12-06T11:00:00Z"]}"""))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.getMessage()).isEqualTo(
            "the pushed rows do not match the schema, nothing written: column 'trips' is missing; column 'speed' is in"
                + " no feature view fed by push source 'driver_push'"));

    JsonNode answer = read("""
        {"features": ["driver_hourly_stats:trips"], "entities": {"driver_id": [1001]}}""");
    assertThat(answer.at("/results/1/statuses/0").asText()).isEqualTo("NOT_FOUND");
  }

  @Test
  void twoHundredFiftyEntitiesTakeThreeBatchGetsThatAskOnlyForTheRequestedFeatures() throws Exception {
    StringBuilder ids = new StringBuilder();
    for (int i = 0; i < 250; i++) {
      ids.append(i == 0 ? "" : ",").append(i);
    }
    push("{\"driver_id\": [" + ids + "], \"conv_rate\": [" + "0.5,".repeat(249) + "0.5], \"trips\": ["
        + "1,".repeat(249) + "1], \"city\": [" + "\"x\",".repeat(249) + "\"x\"], \"event_timestamp\": ["
        + "\"2026-12-06T11:00:00Z\",".repeat(249) + "\"2026-12-06T11:00:00Z\"]}");
    batchGets.clear();

    JsonNode answer = read("{\"features\": [\"driver_hourly_stats:city\"], \"entities\": {\"driver_id\": [" + ids
        + "]}}");

    assertThat(answer.at("/results/1/statuses").findValuesAsText("x")).isEmpty();
    assertThat(answer.at("/results/1/values/249").asText()).isEqualTo("x");
    assertThat(batchGets).hasSize(3);
    assertThat(batchGets).allSatisfy(r -> {
      var ask = r.requestItems().get("features-online-" + tables);
      assertThat(ask.keys().size()).isLessThanOrEqualTo(100);
      assertThat(ask.projectionExpression()).isEqualTo("#k, #ts, #f0");
      assertThat(ask.expressionAttributeNames()).containsEntry("#f0", "city").hasSize(3);
    });
  }

  @Test
  void aJoinKeyOfTheWrongTypeIsA400NamingIt() {
    assertThatThrownBy(() -> read("""
        {"features": ["driver_hourly_stats:trips"], "entities": {"driver_id": [1001, "x"]}}"""))
        .isInstanceOfSatisfying(PierException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.getMessage()).isEqualTo(
              "entities.driver_id[1]: expected INT64, got text \"x\" (the join key of entity 'driver')");
        });
  }

  @Test
  void anUnknownFeatureIsA404NamingIt() {
    assertThatThrownBy(() -> read("""
        {"features": ["driver_hourly_stats:speed"], "entities": {"driver_id": [1]}}"""))
        .isInstanceOfSatisfying(PierException.class, e -> {
          assertThat(e.status()).isEqualTo(404);
          assertThat(e.getMessage()).isEqualTo("feature view 'driver_hourly_stats' has no feature 'speed'");
        });
  }

  @Test
  void thePipelineLooksUpAServicesFeaturesPerInstance() throws Exception {
    push("""
        {"driver_id": [1001], "conv_rate": [0.5], "trips": [7], "city": ["Oslo"],
         "event_timestamp": ["2026-12-06T11:00:00Z"]}""");

    List<Map<String, FeatureValue>> values = online.lookup("driver_activity",
        List.of(Map.of("driver_id", 1001, "age", 31), Map.of("driver_id", 42L)));

    assertThat(values.get(0)).containsOnlyKeys("driver_hourly_stats__conv_rate", "driver_hourly_stats__trips");
    assertThat(values.get(0).get("driver_hourly_stats__trips"))
        .isEqualTo(new FeatureValue(7L, FeatureStatus.PRESENT, Instant.parse("2026-12-06T11:00:00Z")));
    assertThat(values.get(1).get("driver_hourly_stats__conv_rate").status()).isEqualTo(FeatureStatus.NOT_FOUND);
    assertThatThrownBy(() -> online.lookup("driver_activity", List.of(Map.of("age", 3))))
        .hasMessage("instance 0 has no 'driver_id', the join key of entity 'driver' that feature service"
            + " 'driver_activity' needs");
  }
}
