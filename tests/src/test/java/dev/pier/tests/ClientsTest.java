package dev.pier.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.sdk.ApplyPlan;
import dev.pier.sdk.FeatureSelection;
import dev.pier.sdk.FeatureStoreClient;
import dev.pier.sdk.HistoricalFeatures;
import dev.pier.sdk.HistoricalOutput;
import dev.pier.sdk.OnlineFeatures;
import dev.pier.sdk.PierApiException;
import dev.pier.sdk.PushMode;
import dev.pier.sdk.PushResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The platform's clients against {@code ./pier up}: the Python package in {@code sdk/python} (its own unittest suite,
 * run with Debian's python3, standard library only), the launcher's {@code models} and {@code jobs} verbs, and the
 * feature store's Java SDK ({@code sdk/java}, {@code pier-sdk}) and TypeScript SDK ({@code sdk/typescript}, its own
 * {@code node --test} suite, built with the pinned {@code tsc}): a definition planned and applied, rows pushed, read
 * online and point in time (inline and from a Parquet entity file in S3), and a refusal surfaced with its status and
 * message.
 */
class ClientsTest {
  private static final Path ROOT = PierUp.ROOT;
  private static final String ROW =
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}]}";
  @TempDir static Path data;
  private static PierUp.Started server;
  private static FeatureStoreClient store;

  @BeforeAll
  static void up() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    server = PierUp.start(data, Map.of(), port -> http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/v2/health/ready")).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode());
    store = FeatureStoreClient.create(URI.create("http://127.0.0.1:" + server.port()));
  }

  @AfterAll
  static void down() throws Exception {
    server.process().destroy();
    server.process().waitFor(40, TimeUnit.SECONDS);
  }

  private record Run(int exit, String out) {}

  private static Run run(Map<String, String> env, String... command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out);
  }

  private static Run pier(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(ROOT.resolve("pier").toString()));
    command.addAll(List.of(args));
    command.addAll(List.of("--port", Integer.toString(server.port())));
    return run(Map.of(), command.toArray(String[]::new));
  }

  @Test
  void thePythonClientsOwnSuitePassesAgainstTheServer() throws Exception {
    Run tests = run(Map.of("PIER_URL", "http://127.0.0.1:" + server.port(),
        "PIER_FIXTURES", ROOT.resolve("tests/fixtures/models").toString(),
        "PIER_LOCAL_ENV", data.resolve("local.env").toString(),
        "PYTHONPATH", ROOT.resolve("sdk/python/src").toString()),
        "/usr/bin/python3", "-m", "unittest", "discover", "-s", "sdk/python/tests", "-v");
    assertThat(tests.exit()).as(tests.out()).isZero();
    assertThat(tests.out()).contains("Ran 16 tests").contains("OK");
  }

  @Test
  void theCliRegistersMovesAnAliasAndInfers() throws Exception {
    Run registered = pier("models", "register", "cli-iris", "tests/fixtures/models/iris-mlp.onnx", "--framework",
        "onnx", "--metadata", "{\"tags\":{\"via\":\"cli\"}}");
    assertThat(registered.exit()).as(registered.out()).isZero();
    assertThat(registered.out()).contains("\"model\":\"cli-iris\",\"version\":1").contains("\"via\":\"cli\"");
    assertThat(pier("models", "alias", "set", "cli-iris", "production", "1").out())
        .contains("\"alias\":\"production\",\"version\":1");
    Run inferred = pier("models", "infer", "cli-iris", "--data", ROW);
    assertThat(inferred.exit()).isZero();
    assertThat(inferred.out()).contains("\"model_version\":\"1\"").contains("\"name\":\"label\"");
    assertThat(pier("models", "list").out()).contains("\"name\":\"cli-iris\"");
  }

  @Test
  void theCliAnswersARefusalWithOneLineNamingTheStatusAndTheReason() throws Exception {
    assertThat(pier("models", "get", "no-such-model")).isEqualTo(new Run(1,
        "pier: GET /api/v1/models/no-such-model answered 404: model 'no-such-model' not found\n"));
    assertThat(pier("jobs", "submit", "--model", "demo", "--input", "s3://pier-batch/absent.jsonl")).isEqualTo(
        new Run(1, "pier: POST /api/v1/batch-jobs answered 400: input s3://pier-batch/absent.jsonl does not exist\n"));
    Run badShape = pier("models", "infer", "demo", "--data", ROW.replace("[1,4]", "[1,3]").replace(",0.2]", "]"));
    assertThat(badShape.exit()).isEqualTo(1);
    assertThat(badShape.out()).startsWith("pier: POST /v2/models/demo/infer answered 400: input 'input': shape [1,3]")
        .hasLineCount(1);
  }

  /** Two views on one entity: {@code stats} (online) and {@code labels} (offline only, its files the entity rows). */
  private static String document(String s) {
    return """
        entities:
          - {name: rider_%1$s, join_keys: [rider_id_%1$s], value_type: INT64}
        sources:
          - {name: stats_src_%1$s, kind: parquet, path: "s3://pier-batch/sdk/%1$s/stats/", timestamp_field: event_timestamp}
          - {name: stats_push_%1$s, kind: push, batch_source: stats_src_%1$s}
          - {name: labels_src_%1$s, kind: parquet, path: "s3://pier-batch/sdk/%1$s/labels/", timestamp_field: event_timestamp}
          - {name: labels_push_%1$s, kind: push, batch_source: labels_src_%1$s}
        feature_views:
          - {name: stats_%1$s, entities: [rider_%1$s], ttl: 1d, source: stats_push_%1$s, online: true,
             schema: [{name: conv_rate, dtype: FLOAT64}, {name: trips, dtype: INT64}]}
          - {name: labels_%1$s, entities: [rider_%1$s], ttl: 1d, source: labels_push_%1$s, online: false,
             schema: [{name: label, dtype: INT64}]}
        feature_services:
          - {name: activity_%1$s, features: ["stats_%1$s:conv_rate", "stats_%1$s:trips"]}
        """.formatted(s);
  }

  @Test
  void theJavaSdkPlansAppliesPushesAndReadsOnlineAndPointInTime() {
    String s = UUID.randomUUID().toString().substring(0, 8);
    String key = "rider_id_" + s;
    ApplyPlan plan = store.plan(document(s));
    assertThat(plan.applied()).isFalse();
    assertThat(plan.changes()).extracting(ApplyPlan.Change::kind, ApplyPlan.Change::name, ApplyPlan.Change::action)
        .contains(org.assertj.core.groups.Tuple.tuple("feature_view", "stats_" + s, "create"));
    ApplyPlan applied = store.apply(document(s));
    assertThat(applied.applied()).isTrue();
    assertThat(applied.changes()).hasSize(8).allSatisfy(c -> assertThat(c.toVersion()).isEqualTo(1));
    assertThat(store.plan(document(s)).changes()).extracting(ApplyPlan.Change::action).containsOnly("unchanged");

    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    String later = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS).toString();
    PushResult pushed = store.push("stats_push_" + s, Map.of(key, List.of(1, 2), "conv_rate", List.of(0.5, 0.25),
        "trips", List.of(7, 9), "event_timestamp", List.of(now, now)), PushMode.ONLINE_AND_OFFLINE);
    assertThat(pushed.rows()).isEqualTo(2);
    assertThat(pushed.writtenOnline()).containsEntry("stats_" + s, 2L);
    assertThat(pushed.offlineObject()).startsWith("s3://pier-batch/sdk/" + s + "/stats/").endsWith(".parquet");

    OnlineFeatures online = store.getOnlineFeatures(Map.of(key, List.of(1, 2, 3)),
        FeatureSelection.service("activity_" + s), false);
    assertThat(online.featureNames()).containsExactly(key, "conv_rate", "trips");
    assertThat(online.result("conv_rate").values()).containsExactly(0.5, 0.25, null);
    assertThat(online.result("conv_rate").statuses()).containsExactly("PRESENT", "PRESENT", "NOT_FOUND");
    assertThat(online.result("trips").eventTimestamps()).startsWith(now, now);
    OnlineFeatures byName = store.getOnlineFeatures(Map.of(key, List.of(2)),
        FeatureSelection.features("stats_" + s + ":trips"), true);
    assertThat(byName.featureNames()).containsExactly(key, "stats_" + s + "__trips");
    assertThat(byName.results().get(1).values()).containsExactly(9);

    Map<String, Object> after = new LinkedHashMap<>(Map.of(key, 1, "event_timestamp", later, "label", 1));
    Map<String, Object> before = new LinkedHashMap<>(Map.of(key, 1, "label", 0,
        "event_timestamp", Instant.now().minus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString()));
    HistoricalFeatures historical = store.getHistoricalFeatures(List.of(after, before),
        FeatureSelection.service("activity_" + s), false);
    assertThat(historical.featureNames()).containsExactly("conv_rate", "trips");
    assertThat(historical.rows()).hasSize(2);
    assertThat(historical.rows().get(0)).containsEntry(key, 1).containsEntry("label", 1)
        .containsEntry("conv_rate", 0.5).containsEntry("trips", 7);
    assertThat(historical.rows().get(1)).containsEntry("label", 0).containsEntry("conv_rate", null)
        .containsEntry("trips", null);

    // the labels view's offline push is a Parquet file of entity rows (the join key, event_timestamp, label)
    store.push("labels_push_" + s, Map.of(key, List.of(1, 2, 3), "label", List.of(1, 0, 1),
        "event_timestamp", List.of(later, later, later)), PushMode.OFFLINE);
    String output = "s3://pier-batch/sdk/" + s + "/training/rows.parquet";
    HistoricalOutput file = store.getHistoricalFeatures("s3://pier-batch/sdk/" + s + "/labels/", output,
        FeatureSelection.features("stats_" + s + ":trips"), true);
    assertThat(file).isEqualTo(new HistoricalOutput(output, 3, List.of("stats_" + s + "__trips")));
  }

  @Test
  void theTypeScriptSdksOwnSuitePassesAgainstTheServer() throws Exception {
    Run install = run(Map.of(), "npm", "--prefix", "sdk/typescript", "ci", "--no-audit", "--no-fund");
    assertThat(install.exit()).as(install.out()).isZero();
    Run tests = run(Map.of("PIER_URL", "http://127.0.0.1:" + server.port()), "npm", "--prefix", "sdk/typescript",
        "test");
    assertThat(tests.exit()).as(tests.out()).isZero();
    assertThat(tests.out()).contains("# pass 4").contains("# fail 0"); // the feature store's 2 and assignment's 2
  }

  @Test
  void aRefusalIsAPierApiExceptionWithTheStatusAndTheServersMessage() {
    String s = UUID.randomUUID().toString().substring(0, 8);
    assertThatThrownBy(() -> store.apply("entities:\n  - {name: e_" + s + ", join_keys: [k], bogus: 1}\n"))
        .isInstanceOfSatisfying(PierApiException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.detail()).contains("bogus");
        });
    assertThatThrownBy(() -> store.getHistoricalFeatures(List.of(Map.of("k", 1)),
        FeatureSelection.features("no_view_" + s + ":x"), false))
        .isInstanceOfSatisfying(PierApiException.class, e -> {
          assertThat(e.status()).isEqualTo(404);
          assertThat(e.detail()).contains("no_view_" + s);
        });
    assertThatThrownBy(() -> store.push("no_push_" + s, Map.of("x", List.of(1)), PushMode.ONLINE))
        .isInstanceOfSatisfying(PierApiException.class, e -> {
          assertThat(e.status()).isEqualTo(404);
          assertThat(e.detail()).isEqualTo("push source 'no_push_" + s + "' does not exist");
        });
  }
}
