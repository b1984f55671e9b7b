package dev.pier.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.openfeature.sdk.ImmutableContext;
import dev.openfeature.sdk.ProviderEvaluation;
import dev.openfeature.sdk.Value;
import dev.pier.experiments.assignment.Allocation;
import dev.pier.experiments.assignment.ExperimentAssigner;
import dev.pier.experiments.assignment.ExposureBuffer;
import dev.pier.experiments.flags.Evaluation;
import dev.pier.experiments.flags.FlagJson;
import dev.pier.experiments.flags.Flags;
import dev.pier.experiments.flags.openfeature.PierFlagProvider;
import dev.pier.experiments.results.ExperimentResults;
import dev.pier.experiments.store.ExperimentStore;
import dev.pier.experiments.store.ExperimentsTable;
import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.local.LocalAws;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.RegistryTable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Experiments over a flag's variants, end to end against the DynamoDB stand-in: evaluating the flag (on the server,
 * and locally in the OpenFeature provider over HTTP) serves each unit its arm's variant and logs its exposure, events
 * posted afterwards count per arm, and the results have the right arms, units and means.
 */
class FlagExperimentTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TABLE = "experiments";
  @TempDir static Path dataDir;
  private static LocalAws aws;
  private static AwsClients clients;
  private static Experiments experiments;
  private static ExposureBuffer exposures;
  private static ExperimentAssigner assigner;
  private static Flags flags;
  private static HttpServer server;

  @BeforeAll
  static void start() throws Exception {
    aws = LocalAws.start(dataDir.resolve("aws"));
    clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
    RegistryTable.createIfMissing(clients.dynamoDb(), "registry");
    ArtifactStore artifacts = new ArtifactStore(clients.s3(), "artifacts");
    artifacts.createBucketIfMissing();
    ModelRegistry registry = new ModelRegistry(clients.dynamoDb(), "registry", artifacts);
    ExperimentsTable.createIfMissing(clients.dynamoDb(), TABLE);
    Flags plain = new Flags(clients.dynamoDb(), TABLE, Clock.systemUTC());
    experiments = new Experiments(new ExperimentStore(clients.dynamoDb(), TABLE), new RegistryCatalog(registry),
        Clock.systemUTC(), ModelTraffic.NONE, plain::get);
    exposures = new ExposureBuffer();
    assigner = experiments.assigner(exposures);
    experiments.onTransition(assigner::refresh); // as the platform wires it
    flags = new Flags(clients.dynamoDb(), TABLE, Clock.systemUTC(), assigner);
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/v1/", FlagExperimentTest::serve);
    server.start();
  }

  @AfterAll
  static void stop() {
    server.stop(0);
    clients.close();
    aws.close();
  }

  @Test
  void serverEvaluationsLogExposuresAndTheResultsCountTheArms() throws Exception {
    String key = unique("checkout");
    flags.create(flag(key));
    Experiment e = experiments.start(experiments.create(design(key)).id());
    Allocation allocation = new Allocation(e.seed(), List.of("control", "treatment"), List.of(0.5, 0.5));

    Map<String, Integer> units = new HashMap<>(), converted = new HashMap<>();
    ArrayNode events = JSON.createArrayNode();
    long later = System.currentTimeMillis() + 60_000;
    for (int i = 0; i < 2_000; i++) {
      String unit = "user-" + i;
      Evaluation answer = flags.evaluate(key, JSON.createObjectNode().put("targeting_key", unit));
      Evaluation again = flags.evaluate(key, JSON.createObjectNode().put("targeting_key", unit)); // sticky, logged once
      String arm = allocation.arm(unit);
      assertThat(answer.variant()).isEqualTo(arm.equals("control") ? "off" : "on");
      assertThat(answer.reason()).isEqualTo("SPLIT");
      assertThat(answer.experiment()).isEqualTo(e.id() + "=" + arm);
      assertThat(again).isEqualTo(answer);
      units.merge(arm, 1, Integer::sum);
      if (i % (arm.equals("control") ? 5 : 2) == 0) { // treatment converts more: every second unit, control every fifth
        converted.merge(arm, 1, Integer::sum);
        events.addObject().put("unit", unit).put("metric", "conversion").put("timestamp", later);
      }
    }
    // a request without a unit gets the flag's own answer and joins nothing
    assertThat(flags.evaluate(key, JSON.createObjectNode()).experiment()).isNull();
    assertThat(exposures.drain(experiments::writeExposures, 1000)).isNull();
    for (int from = 0; from < events.size(); from += 1000) {
      ObjectNode body = JSON.createObjectNode();
      ArrayNode items = body.putArray("items");
      for (int j = from; j < Math.min(events.size(), from + 1000); j++) items.add(events.get(j));
      experiments.events(body);
    }

    ExperimentResults results = experiments.results(e.id());
    Map<String, Long> counted = new HashMap<>();
    results.arms().forEach(a -> counted.put(a.arm(), a.units()));
    assertThat(counted).containsEntry("control", (long) units.get("control"))
        .containsEntry("treatment", (long) units.get("treatment"));
    assertThat(units.get("control") + units.get("treatment")).isEqualTo(2_000);
    var conversion = results.metrics().stream().filter(m -> m.metric().equals("conversion")).findFirst().orElseThrow();
    for (var arm : conversion.arms()) {
      assertThat(arm.n()).isEqualTo((long) units.get(arm.arm()));
      assertThat(arm.mean()).isCloseTo(converted.get(arm.arm()) / (double) units.get(arm.arm()),
          org.assertj.core.data.Offset.offset(1e-12));
    }
    assertThat(results.srm().flagged()).isFalse();
    assertThat(conversion.comparisons().get(0).pValue()).isLessThan(0.001); // 50% against 20%

    // stopped: evaluations are the flag's own again and log nothing
    experiments.stop(e.id());
    Evaluation after = flags.evaluate(key, JSON.createObjectNode().put("targeting_key", "user-1"));
    assertThat(after.experiment()).isNull();
    assertThat(after.reason()).isNotEqualTo("SPLIT");
    assertThat(exposures.queued()).isZero();
  }

  @Test
  void theProviderPlacesUnitsAsTheServerDoesAndReportsTheirExposures() throws Exception {
    String key = unique("banner");
    flags.create(flag(key));
    ObjectNode body = design(key);
    body.putObject("targeting").putArray("conditions").addObject().put("attribute", "country")
        .put("operator", "in").putArray("values").add("NL").add("BE");
    Experiment e = experiments.start(experiments.create(body).id());

    PierFlagProvider provider = new PierFlagProvider(URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
        Duration.ofHours(1), Duration.ofHours(1), Map.of());
    provider.initialize(null);
    Map<String, Integer> units = new HashMap<>();
    try {
      for (int i = 0; i < 600; i++) {
        String unit = "member-" + i;
        String country = i % 3 == 0 ? "DE" : "NL"; // a third is targeted out
        ProviderEvaluation<Boolean> local = provider.getBooleanEvaluation(key, false,
            new ImmutableContext(unit, Map.of("country", new Value(country))));
        Evaluation remote = onTheServer(key, unit, country);
        assertThat(local.getVariant()).isEqualTo(remote.variant());
        assertThat(local.getReason()).isEqualTo(remote.reason());
        if (country.equals("DE")) {
          assertThat(local.getFlagMetadata().getString("experiment")).isNull();
        } else {
          String arm = local.getFlagMetadata().getString("experiment").substring(e.id().length() + 1);
          units.merge(arm, 1, Integer::sum);
        }
      }
      provider.flush();
    } finally {
      provider.shutdown();
    }
    ExperimentResults results = experiments.results(e.id());
    Map<String, Long> counted = new HashMap<>();
    results.arms().forEach(a -> counted.put(a.arm(), a.units()));
    assertThat(counted).containsEntry("control", (long) units.get("control"))
        .containsEntry("treatment", (long) units.get("treatment"));
    assertThat(units.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(400);
    experiments.stop(e.id());
  }

  @Test
  void aFlagExperimentIsCheckedAgainstItsFlag() throws Exception {
    String key = unique("menu");
    flags.create(flag(key));
    ObjectNode unknownVariant = design(key);
    ((ObjectNode) unknownVariant.get("arms").get(1)).put("variant", "maybe");
    assertThat(failure(() -> experiments.create(unknownVariant)).getMessage())
        .contains("arms[1].variant: flag '" + key + "' has no variant 'maybe'");
    ObjectNode noSuchFlag = design("no-such-flag");
    assertThat(failure(() -> experiments.create(noSuchFlag)).status()).isEqualTo(404);
    ObjectNode both = design(key);
    both.put("model", "churn");
    assertThat(failure(() -> experiments.create(both)).getMessage()).contains("model: an experiment on flag");
    ObjectNode sameVariant = design(key);
    ((ObjectNode) sameVariant.get("arms").get(1)).put("variant", "off");
    assertThat(failure(() -> experiments.create(sameVariant)).getMessage())
        .contains("arms[1].variant: 'off' is served by another arm");
    ObjectNode noFlag = design(key);
    noFlag.remove("flag");
    noFlag.put("model", "churn");
    assertThat(failure(() -> experiments.create(noFlag)).getMessage())
        .contains("arms[0].variant: arms serve flag variants only in an experiment that names its \"flag\"");

    ObjectNode one = design(key), other = design(key);
    other.put("layer", one.get("layer").asText()); // the same flag and layer
    Experiment first = experiments.start(experiments.create(one).id());
    Experiment second = experiments.create(other);
    PierException busy = failure(() -> experiments.start(second.id()));
    assertThat(busy.status()).isEqualTo(409);
    assertThat(busy.getMessage()).contains("already running on flag '" + key + "'");
    experiments.stop(first.id());
    assertThat(experiments.start(second.id()).state()).isEqualTo(ExperimentState.RUNNING);
    experiments.stop(second.id());
  }

  /** The server's answer (it logs the exposure too; the ledger keeps a unit's first only). */
  private static Evaluation onTheServer(String key, String unit, String country) {
    ObjectNode body = JSON.createObjectNode().put("targeting_key", unit);
    body.putObject("attributes").put("country", country);
    return flags.evaluate(key, body);
  }

  private static void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      int status = 200;
      String body;
      String path = exchange.getRequestURI().getPath();
      try {
        if (exchange.getRequestMethod().equals("GET") && path.equals("/api/v1/flags")) {
          Flags.Listing listing = flags.listing();
          ObjectNode out = JSON.createObjectNode();
          listing.flags().forEach(f -> out.withArray("flags").add(FlagJson.write(f)));
          out.setAll(listing.experiments().toJson()); // as FlagResource answers
          exchange.getResponseHeaders().add("ETag", "\"" + listing.etag() + "\"");
          body = out.toString();
        } else if (path.equals("/api/v1/flags/exposures")) {
          body = JSON.writeValueAsString(flags.exposures(JSON.readTree(exchange.getRequestBody())));
        } else if (path.startsWith("/api/v1/experiments/") && path.endsWith("/exposures")) {
          String id = path.substring("/api/v1/experiments/".length(), path.length() - "/exposures".length());
          body = JSON.writeValueAsString(experiments.exposures(id, JSON.readTree(exchange.getRequestBody())));
        } else {
          status = 404;
          body = "{}";
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

  private static JsonNode flag(String key) throws IOException {
    return JSON.readTree("""
        {"key": "KEY", "type": "boolean", "variants": {"on": true, "off": false},
         "rules": [{"conditions": [{"attribute": "country", "operator": "equals", "value": "BE"}],
                    "serve": {"variant": "on"}}],
         "default": {"variant": "off"}}""".replace("KEY", key));
  }

  private static ObjectNode design(String flag) throws IOException {
    ObjectNode body = (ObjectNode) JSON.readTree("""
        {"name": "checkout on", "hypothesis": "the new checkout converts better", "flag": "FLAG",
         "arms": [{"name": "control", "variant": "off", "weight": 0.5},
                  {"name": "treatment", "variant": "on", "weight": 0.5}],
         "metrics": {"primary": {"name": "conversion", "type": "binary"}},
         "design": {"alpha": 0.05, "power": 0.8, "mde": 0.05, "baseline": 0.1, "daily_units": 20000}}
        """.replace("FLAG", flag));
    body.put("layer", "layer-" + UUID.randomUUID());
    return body;
  }

  private static String unique(String key) {
    return key + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static PierException failure(Runnable call) {
    try {
      call.run();
    } catch (PierException e) {
      return e;
    }
    throw new AssertionError("expected a PierException");
  }
}
