package dev.pier.registry;

import dev.pier.kernel.engine.Framework;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.kernel.tensor.SignatureJson;
import dev.pier.local.LocalAws;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Writes the stored-data fixture under {@code src/test/resources/stored-data/}: a local data directory (the DynamoDB
 * stand-in's snapshot and the S3 stand-in's files) holding three models that use every field the registry stores,
 * the table's items as {@code aws dynamodb scan} prints them ({@code items.json}), and what the registry answered
 * about them when they were written ({@code expected.json}). {@code StoredDataCompatibilityTest} reads them with
 * today's code. Run by {@code src/test/fixtures/regenerate-stored-data.sh}; never part of a normal build.
 */
@EnabledIfSystemProperty(named = "pier.regenerate-stored-data", matches = "true")
class StoredDataFixture {
  static final Path HOME = Path.of("src/test/resources/stored-data");

  @Test
  void writesTheStoredDataFixture() throws Exception {
    Path data = HOME.resolve("data");
    deleteTree(data);
    try (LocalAws aws = LocalAws.start(data);
        AwsClients clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
            aws.accessKeyId(), aws.secretAccessKey()))) {
      RegistryTable.createIfMissing(clients.dynamoDb(), "registry");
      ArtifactStore artifacts = new ArtifactStore(clients.s3(), "artifacts");
      artifacts.createBucketIfMissing();
      ModelRegistry registry = new ModelRegistry(clients.dynamoDb(), "registry", artifacts);
      populate(registry, Files.createTempDirectory("stored-data"));
      Files.writeString(HOME.resolve("expected.json"), StoredDataView.render(registry));
      List<Map<String, AttributeValue>> items = new ArrayList<>(
          clients.dynamoDb().scanPaginator(b -> b.tableName("registry")).items().stream().toList());
      items.sort(Comparator.comparing((Map<String, AttributeValue> i) -> i.get("pk").s())
          .thenComparing(i -> i.get("sk").s()));
      ObjectNode scan = JsonNodeFactory.instance.objectNode();
      ArrayNode array = scan.putArray("Items");
      items.forEach(i -> array.add(ItemJson.write(i)));
      Files.writeString(HOME.resolve("items.json"), StoredDataView.JSON.writeValueAsString(scan));
    }
    Files.deleteIfExists(data.resolve("ports.properties")); // ports are picked afresh wherever the fixture is read
  }

  static final String CHURN_WEIGHTS = "churn weights v1";

  static dev.pier.kernel.tensor.Signature signature() throws IOException {
    return SignatureJson.parse(StoredDataView.JSON.readTree("""
        {"inputs": [{"name": "x", "datatype": "FP32", "shape": [-1, 4]}],
         "outputs": [{"name": "p", "datatype": "FP32", "shape": [-1, 1]}]}"""), "signature");
  }

  /** The registration of churn v1, made with Idempotency-Key {@code idem-1}: every field a request may carry. */
  static NewVersion churnV1() throws IOException {
    return new NewVersion(Framework.ONNX, signature(),
        new ModelVersion.Metadata("first churn model", Map.of("owner", "alice"), Map.of("auc", 0.91),
            Map.of("depth", "6"), Map.of("pier.note", "kept")),
        new ModelVersion.Serving(new Batching(32, 2_000), null, new ResponseCaching(60, 1_000),
            new ExplainSettings(new float[][] {{0f, 1f, 2f, 3f}, {1f, 1f, 1f, 1f}}), "{\"steps\":[]}"),
        new ModelVersion.Provenance("s3://bucket/mlflow/1/model", "run-42", "{\"datasets\":[\"s3://data/train\"]}"));
  }

  /** Three models between them using every stored field, alias move, review, card and audit entry kind. */
  static void populate(ModelRegistry registry, Path files) throws Exception {
    Path weights = Files.writeString(files.resolve("churn.onnx"), CHURN_WEIGHTS);
    Path weights2 = Files.writeString(files.resolve("churn2.onnx"), "churn weights v2");
    Path booster = Files.writeString(files.resolve("fraud.json"), "{\"booster\": 1}");
    var signature = signature();

    registry.models().create("churn", "who leaves", Map.of("team", "risk"), "alice");
    registry.models().update("churn", null, m -> new RegisteredModel(m.name(), m.latestVersion(), m.createdAt(),
        m.updatedAt(), m.description(), m.tags(), new ApprovalPolicy(true, 1, java.util.Set.of("production")),
        m.revision()), "admin");
    NewVersion full = churnV1();
    registry.register("churn", full, weights, "idem-1", "alice");
    registry.register("churn", full, weights, "idem-1", "alice"); // a replay: no second version
    registry.reviews().approve("churn", 1, "bob", "fine"); // the policy made it PENDING_REVIEW at registration
    registry.reviews().transitionStage("churn", 1, "Production", false, "bob");
    registry.register("churn", new NewVersion(Framework.ONNX, signature,
        new ModelVersion.Metadata("on an endpoint", Map.of(), Map.of("auc", 0.93)),
        new ModelVersion.Serving(null, new Placement(Placement.Kind.ENDPOINT, null, "ml.g5.xlarge", 1, null)), null),
        weights2, null, "alice");
    registry.reviews().approve("churn", 2, "bob", null);
    registry.setAlias("churn", "production", new Alias.Target(1, null), "bob");
    registry.setAlias("churn", "production", new Alias.Target(1, new Canary(2, 0.1)), "bob");
    registry.aliases().rollback("churn", "production", "bob");
    registry.setAlias("churn", "staging", new Alias.Target(2, null), "alice");
    registry.cards().put("churn", 1, new ModelCard("# Churn\nPredicts churn.", "retention offers", "not for credit",
        "holdout-2026", Map.of("auc", 0.91), "checked by segment", null, null, 0), null, "alice");
    registry.register("churn", new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of()), weights2, null,
        "alice");
    registry.versions().delete("churn", 3, "alice");

    registry.registerReference("fraud", new NewVersion(Framework.XGBOOST, null,
        new ModelVersion.Metadata("by reference", Map.of("team", "risk"), Map.of("auc", 0.75), Map.of("depth", "4"),
            Map.of()), null, new ModelVersion.Provenance("runs:/abc/model", "abc", null)),
        "source is not in S3: not servable", "carol");
    registry.register("fraud", new NewVersion(Framework.XGBOOST, null,
        new ModelVersion.Metadata(null, Map.of("team", "risk"), Map.of("auc", 0.85)),
        new ModelVersion.Serving(null, Placement.FUNCTION), null), booster, null, "carol");
    registry.reviews().transitionStage("fraud", 2, "Staging", true, "carol");
    registry.versions().update("fraud", 2, null, v -> v.edited(new ModelVersion.Metadata("boosted trees",
        Map.of("team", "risk", "tier", "gold"), v.metadata().metrics(), Map.of("depth", "6"),
        v.metadata().properties()), java.time.Instant.now()), "carol",
        null);
    registry.setAlias("fraud", "champion", 2);
    registry.cards().put("fraud", 2, new ModelCard("v2", null, null, null, Map.of(), null, null, null, 0), null, "carol");
    registry.cards().put("fraud", 2, new ModelCard("v2, revised", "screening", null, null, Map.of("recall", 0.6), null,
        null, null, 0), 1L, "dave");

    registry.models().create("ranker", null, Map.of(), "erin");
    registry.register("ranker", new NewVersion(Framework.PYTORCH, null, null, Map.of(), Map.of("auc", 0.7)),
        weights, null, "erin");
    registry.reviews().request("ranker", 1, "erin", null);
    registry.reviews().reject("ranker", 1, "frank", "no offline evaluation");
    registry.setAlias("ranker", "trial", 1);
    registry.aliases().delete("ranker", "trial", "erin");
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** DynamoDB's JSON for attribute values, as the AWS CLI prints and takes them. */
  static final class ItemJson {
    private ItemJson() {}

    static ObjectNode write(Map<String, AttributeValue> item) {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      new java.util.TreeMap<>(item).forEach((k, v) -> o.set(k, value(v)));
      return o;
    }

    private static JsonNode value(AttributeValue v) {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      switch (v.type()) {
        case S -> o.put("S", v.s());
        case N -> o.put("N", v.n());
        case BOOL -> o.put("BOOL", v.bool());
        case NUL -> o.put("NULL", true);
        case M -> o.set("M", write(v.m()));
        case L -> v.l().forEach(x -> o.withArray("L").add(value(x)));
        case SS -> v.ss().forEach(x -> o.withArray("SS").add(x));
        default -> throw new IllegalArgumentException("unexpected attribute type " + v.type());
      }
      return o;
    }

    static Map<String, AttributeValue> read(JsonNode item) {
      Map<String, AttributeValue> out = new HashMap<>();
      item.properties().forEach(e -> out.put(e.getKey(), attribute(e.getValue())));
      return out;
    }

    private static AttributeValue attribute(JsonNode n) {
      var e = n.properties().iterator().next();
      JsonNode v = e.getValue();
      return switch (e.getKey()) {
        case "S" -> AttributeValue.fromS(v.asText());
        case "N" -> AttributeValue.fromN(v.asText());
        case "BOOL" -> AttributeValue.fromBool(v.asBoolean());
        case "NULL" -> AttributeValue.fromNul(true);
        case "M" -> AttributeValue.fromM(read(v));
        case "L" -> {
          List<AttributeValue> l = new ArrayList<>();
          v.forEach(x -> l.add(attribute(x)));
          yield AttributeValue.fromL(l);
        }
        case "SS" -> {
          List<String> l = new ArrayList<>();
          v.forEach(x -> l.add(x.asText()));
          yield AttributeValue.fromSs(l);
        }
        default -> throw new IllegalArgumentException("unexpected attribute type " + e.getKey());
      };
    }
  }
}
