package dev.pier.api;

import dev.pier.runtime.PredictionService;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.api.PierConfig;
import dev.pier.api.inference.RpcStartup;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * With authentication on: every route answers 401 without credentials, 403 with the wrong role and succeeds with
 * the right one; API keys; the audit trail; erasure; rate limits; no raw personal data in logs or audit entries.
 */
@QuarkusTest
@TestProfile(AuthOnProfile.class)
class SecurityApiTest {
  private static final String ROW =
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}]}";
  private static final String ADMIN = TestTokens.token("root", "admin");

  @Inject AwsClients aws;

  @Inject PierConfig pierConfig;
  @Inject PredictionService predictionService;

  /** What a route needs: the role that may, the role that may not, and how to call it. */
  record Route(String method, String template, String path, Permission needs, String body, int rightStatus) {
    Route(String method, String template, String path, Permission needs, String body) {
      this(method, template, path, needs, body, 0);
    }

    @Override
    public String toString() {
      return method + " " + path;
    }
  }

  static String model = "sec-" + UUID.randomUUID().toString().substring(0, 8);

  static List<Route> routes() {
    String v2 = "/v2/models/demo";
    String m = "/api/v1/models/demo";
    return List.of(
        new Route("GET", "/v2/models/{model}", v2, Permission.READ, null),
        new Route("GET", "/v2/models/{model}/versions/{version}", v2 + "/versions/1", Permission.READ, null),
        new Route("GET", "/v2/models/{model}/ready", v2 + "/ready", Permission.READ, null),
        new Route("GET", "/v2/models/{model}/versions/{version}/ready", v2 + "/versions/1/ready", Permission.READ, null),
        new Route("POST", "/v2/models/{model}/infer", v2 + "/infer", Permission.PREDICT, ROW),
        new Route("POST", "/v2/models/{model}/versions/{version}/infer", v2 + "/versions/1/infer", Permission.PREDICT, ROW),
        new Route("GET", "/api/v1/models", "/api/v1/models", Permission.READ, null),
        new Route("GET", "/api/v1/models/{model}", m, Permission.READ, null),
        new Route("POST", "/api/v1/models/{model}/versions", "/api/v1/models/" + model + "/versions", Permission.REGISTER, "multipart"),
        new Route("GET", "/api/v1/models/{model}/versions", m + "/versions", Permission.READ, null),
        new Route("GET", "/api/v1/models/{model}/versions/{version}", m + "/versions/1", Permission.READ, null),
        new Route("PUT", "/api/v1/models/{model}/aliases/{alias}", m + "/aliases/staging", Permission.ALIAS, "{\"version\":1}"),
        new Route("GET", "/api/v1/models/{model}/aliases/{alias}", m + "/aliases/production", Permission.READ, null),
        new Route("POST", "/api/v1/models/{model}/aliases/{alias}/rollback", m + "/aliases/canary-test/rollback", Permission.ALIAS, ""),
        new Route("GET", "/api/v1/models/{model}/aliases/{alias}/history", m + "/aliases/production/history", Permission.READ, null),
        new Route("GET", "/api/v1/models/{model}/versions/{version}/cache-stats", m + "/versions/1/cache-stats", Permission.READ, null),
        // an input that does not exist: past authorization, the submission answers 400 naming it
        new Route("POST", "/api/v1/batch-jobs", "/api/v1/batch-jobs", Permission.PREDICT,
            "{\"model\":\"demo\",\"input\":\"s3://pier-batch/security-test.jsonl\"}", 400),
        new Route("GET", "/api/v1/batch-jobs", "/api/v1/batch-jobs", Permission.READ, null),
        // an unknown job: past authorization, the resource answers 404 for it
        new Route("GET", "/api/v1/batch-jobs/{id}", "/api/v1/batch-jobs/bj-unknown", Permission.READ, null, 404),
        new Route("POST", "/api/v1/batch-jobs/{id}/cancel", "/api/v1/batch-jobs/bj-unknown/cancel", Permission.PREDICT,
            "", 404),
        new Route("GET", "/api/v1/predictions/{id}", "/api/v1/predictions/pr-unknown", Permission.PREDICT, null, 404),
        new Route("POST", "/api/v1/batch-schedules", "/api/v1/batch-schedules", Permission.PREDICT,
            "{\"model\":\"demo\",\"input\":\"s3://pier-batch/security-test/\",\"schedule\":\"rate(1 day)\"}"),
        new Route("GET", "/api/v1/batch-schedules", "/api/v1/batch-schedules", Permission.READ, null),
        new Route("GET", "/api/v1/batch-schedules/{id}", "/api/v1/batch-schedules/bs-unknown", Permission.READ, null,
            404),
        new Route("DELETE", "/api/v1/batch-schedules/{id}", "/api/v1/batch-schedules/bs-unknown", Permission.PREDICT,
            null, 404),
        new Route("POST", "/api/v1/keys", "/api/v1/keys", Permission.KEYS, "{\"name\":\"t\",\"roles\":[\"viewer\"]}"),
        new Route("GET", "/api/v1/keys", "/api/v1/keys", Permission.KEYS, null),
        new Route("POST", "/api/v1/keys/{id}/revoke", "/api/v1/keys/{id}/revoke", Permission.KEYS, ""),
        new Route("GET", "/api/v1/audit", "/api/v1/audit", Permission.AUDIT, null),
        new Route("POST", "/api/v1/privacy/erasure", "/api/v1/privacy/erasure", Permission.PRIVACY, "{\"subject\":\"nobody\"}"));
  }

  /** The least role that may, and a role that may not (groups that are no Pier role for reads). */
  private static String[] rolesFor(Permission p) {
    return switch (p) {
      case READ -> new String[] {"viewer", "marketing"};
      case PREDICT -> new String[] {"predictor", "viewer"};
      case REGISTER -> new String[] {"data-scientist", "predictor"};
      case ALIAS, APPROVE -> new String[] {"approver", "data-scientist"};
      case DELETE, KEYS, AUDIT, PRIVACY, METRICS -> new String[] {"admin", "admin:demo"};
      case FEATURES_READ -> new String[] {"viewer", "marketing"};
      case FEATURES_WRITE -> new String[] {"data-scientist", "predictor"};
    };
  }

  private static RequestSpecification request(Route r, String token) {
    RequestSpecification spec = given();
    if (token != null) {
      spec = spec.header("Authorization", "Bearer " + token);
    }
    if ("multipart".equals(r.body())) {
      spec = spec.multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile()).multiPart("metadata", "{\"framework\":\"onnx\"}");
    } else if (r.body() != null) {
      spec = spec.contentType(ContentType.JSON).body(r.body());
    }
    return spec;
  }

  private static Response call(Route r, String token) {
    String path = r.path();
    if (path.contains("{id}")) {
      path = path.replace("{id}", given().header("Authorization", "Bearer " + ADMIN).contentType(ContentType.JSON)
          .body("{\"name\":\"throwaway\",\"roles\":[\"viewer\"]}").post("/api/v1/keys").then().statusCode(201)
          .extract().<String>path("id"));
    }
    if (r.template().endsWith("/rollback")) { // give the alias something to roll back to
      demoHasTwoVersions();
      for (int v : new int[] {1, 2}) {
        given().header("Authorization", "Bearer " + ADMIN).contentType(ContentType.JSON).body("{\"version\":" + v + "}")
            .put("/api/v1/models/demo/aliases/canary-test").then().statusCode(200);
      }
    }
    return request(r, token).request(r.method(), path);
  }

  private static boolean secondDemoVersion;

  private static synchronized void demoHasTwoVersions() {
    if (!secondDemoVersion) {
      given().header("Authorization", "Bearer " + ADMIN).multiPart("artifact", Fixtures.model("iris-mlp-v2.onnx").toFile())
          .multiPart("metadata", "{\"framework\":\"onnx\"}").post("/api/v1/models/demo/versions").then().statusCode(201);
      secondDemoVersion = true;
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("routes")
  void everyRouteIs401WithoutCredentials403WithTheWrongRoleAndServesTheRightOne(Route r) {
    String[] roles = rolesFor(r.needs());
    Response none = call(r, null);
    assertThat(none.statusCode()).as("no credentials: " + none.asString()).isEqualTo(401);
    assertThat(none.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"pier\"");
    assertThat(none.asString()).contains("authentication required");

    Response wrong = call(r, TestTokens.token("wrong", roles[1]));
    assertThat(wrong.statusCode()).as("role " + roles[1] + ": " + wrong.asString()).isEqualTo(403);
    assertThat(wrong.asString()).contains("may not " + r.needs().id());

    Response right = call(r, TestTokens.token("right", roles[0]));
    if (r.rightStatus() != 0) {
      assertThat(right.statusCode()).as("role " + roles[0] + ": " + right.asString()).isEqualTo(r.rightStatus());
    } else {
      assertThat(right.statusCode()).as("role " + roles[0] + ": " + right.asString()).isBetween(200, 299);
    }
  }

  /**
   * The top-level classes this app serves routes from: its own ({@code target/classes}) and the registry's, whose
   * REST lives in its own jar (or classes directory, in a reactor build).
   */
  private static List<String> restClassNames() throws Exception {
    List<String> names = new ArrayList<>();
    List<java.nio.file.Path> roots = new ArrayList<>(List.of(java.nio.file.Path.of("target/classes")));
    // every domain module whose resources the app serves
    // monitoring by name: its module is Java 25, this test compiles for 21
    for (Class<?> domain : List.of(dev.pier.registry.api.ModelResource.class, dev.pier.features.http.FeastResource.class,
        dev.pier.experiments.http.ExperimentResource.class,
        Class.forName("dev.pier.monitoring.http.MonitorsResource"))) {
      roots.add(java.nio.file.Path.of(domain.getProtectionDomain().getCodeSource().getLocation().toURI()));
    }
    for (var root : roots) {
      if (Files.isDirectory(root)) {
        try (Stream<java.nio.file.Path> files = Files.walk(root)) {
          files.map(f -> root.relativize(f).toString()).filter(f -> f.endsWith(".class") && !f.contains("$"))
              .forEach(f -> names.add(f.replace('/', '.').replaceAll("\\.class$", "")));
        }
      } else {
        try (var jar = new java.util.jar.JarFile(root.toFile())) {
          jar.stream().map(java.util.jar.JarEntry::getName).filter(f -> f.endsWith(".class") && !f.contains("$"))
              .forEach(f -> names.add(f.replace('/', '.').replaceAll("\\.class$", "")));
        }
      }
    }
    return names;
  }

  /** Every REST route, as "VERB /path/template", with whether it declares @Authorize and what it consumes. */
  static List<String[]> declaredRoutes() throws Exception {
    List<String[]> declared = new ArrayList<>();
    for (String name : restClassNames()) {
      Class<?> type;
      try {
        type = Class.forName(name, false, SecurityApiTest.class.getClassLoader());
      } catch (ClassNotFoundException | LinkageError notServed) {
        continue; // needs a library the app does not carry (the OpenFeature provider is for clients): not a route
      }
      Path base = type.getAnnotation(Path.class);
      if (base == null) {
        continue;
      }
      for (Method m : type.getDeclaredMethods()) {
        String verb = m.isAnnotationPresent(GET.class) ? "GET" : m.isAnnotationPresent(POST.class) ? "POST"
            : m.isAnnotationPresent(PUT.class) ? "PUT" : m.isAnnotationPresent(jakarta.ws.rs.DELETE.class) ? "DELETE"
            : m.isAnnotationPresent(jakarta.ws.rs.PATCH.class) ? "PATCH" : null;
        if (verb == null) {
          continue;
        }
        Authorize a = m.getAnnotation(Authorize.class);
        if (a != null && a.open()) {
          continue;
        }
        Path sub = m.getAnnotation(Path.class);
        jakarta.ws.rs.Consumes consumes = m.getAnnotation(jakarta.ws.rs.Consumes.class);
        String path = (base.value() + (sub == null ? "" : "/" + sub.value())).replaceAll("/{2,}", "/");
        declared.add(new String[] {verb + " " + (path.length() > 1 ? path.replaceAll("/$", "") : path),
            a == null ? "undeclared" : "declared",
            consumes == null ? "" : String.join(",", consumes.value())});
      }
    }
    return declared;
  }

  @Test
  void everyRestRouteDeclaresWhatItNeeds() throws Exception {
    List<String> undeclared = declaredRoutes().stream().filter(r -> r[1].equals("undeclared")).map(r -> r[0]).toList();
    assertThat(undeclared).as("routes without @Authorize (closed with auth on, but say what they need)").isEmpty();
  }

  @Test
  void theRoleTableCoversTheCoreRoutes() throws Exception {
    Set<String> declared = new TreeSet<>();
    declaredRoutes().forEach(r -> declared.add(r[0]));
    Set<String> tested = new TreeSet<>();
    routes().forEach(r -> tested.add(r.method() + " " + r.template()));
    assertThat(declared).as("every route of the role table exists").containsAll(tested);
  }

  /**
   * Every protected route outside the role table — the MLflow API, governance, cards, transfers, webhooks — is
   * closed: 401 without credentials and 403 for an authenticated caller with no grants, before any body is read.
   */
  @Test
  void everyOtherRouteIs401WithoutCredentialsAnd403WithoutGrants() throws Exception {
    Set<String> tabled = new TreeSet<>();
    routes().forEach(r -> tabled.add(r.method() + " " + r.template()));
    String nobody = TestTokens.token("nobody");
    int checked = 0;
    for (String[] route : declaredRoutes()) {
      if (tabled.contains(route[0])) {
        continue;
      }
      String verb = route[0].substring(0, route[0].indexOf(' '));
      String path = route[0].substring(route[0].indexOf(' ') + 1).replace("{model}", "demo").replace("{version}", "1")
          .replace("{alias}", "production").replace("{id}", "x").replace("{upload}", "x")
          .replace("{key}", "x").replace("{name}", "x").replace("{run}", "x").replaceAll("\\{\\w+: [^}]+}", "x")
          .replaceAll("\\{\\w+}", "x"); // any other parameter (a column, a job)
      for (String token : new String[] {null, nobody}) {
        RequestSpecification spec = given();
        if (token != null) {
          spec = spec.header("Authorization", "Bearer " + token);
        }
        if (route[2].contains("multipart")) {
          spec = spec.multiPart("metadata", "{}");
        } else if (!verb.equals("GET") && !verb.equals("DELETE")) {
          spec = spec.contentType(route[2].isEmpty() ? "application/json" : route[2].split(",")[0])
              .body("{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        Response r = spec.request(verb, path);
        assertThat(r.statusCode()).as("%s with %s: %s", route[0], token == null ? "no credentials" : "no grants",
            r.asString()).isEqualTo(token == null ? 401 : 403);
      }
      checked++;
    }
    assertThat(checked).as("routes outside the role table").isGreaterThan(50);
  }


  @Test
  void healthAndServerMetadataStayOpenAndNoLongerWarn() {
    given().get("/v2/health/live").then().statusCode(200);
    given().get("/v2/health/ready").then().statusCode(200);
    given().get("/v2").then().statusCode(200).body("name", equalTo("pier")).body("$", not(org.hamcrest.Matchers.hasKey("warning")));
  }

  @Test
  void errorsKeepTheirFormatsV2ErrorAndProblemJson() {
    given().get("/v2/models/demo").then().statusCode(401).contentType(ContentType.JSON)
        .body("error", containsString("authentication required"));
    given().header("Authorization", "Bearer " + TestTokens.token("v", "viewer")).contentType(ContentType.JSON)
        .body("{\"version\":1}").put("/api/v1/models/demo/aliases/x").then().statusCode(403)
        .contentType("application/problem+json").body("status", equalTo(403))
        .body("detail", containsString("jwt:v (viewer) may not alias on model 'demo'"));
  }

  @Test
  void aRoleScopedToAPatternReachesOnlyMatchingModels() {
    String token = TestTokens.token("scoped", "predictor:dem*");
    given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON).body(ROW)
        .post("/v2/models/demo/infer").then().log().ifValidationFails().statusCode(200);
    given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON).body(ROW)
        .post("/v2/models/other/infer").then().statusCode(403);
    given().header("Authorization", "Bearer " + TestTokens.token("scoped", "viewer:nothing-*"))
        .get("/api/v1/models").then().statusCode(200).body("models", org.hamcrest.Matchers.empty());
  }

  @Test
  void aLargeInferRequestIsCheckedForItsCallerBeforeItsModelsCapacity() {
    StringBuilder data = new StringBuilder("5.1,3.5,1.4,0.2");
    for (int i = 1; i < 5000; i++) {
      data.append(",5.1,3.5,1.4,0.2");
    }
    String large = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[5000,4],\"data\":[" + data
        + "]}]}"; // over 64 KiB: admitted from its headers, before its body is read
    String token = "Bearer " + TestTokens.token("scoped", "predictor:dem*");
    var limits = predictionService.limits();
    List<dev.pier.runtime.ConcurrencyLimits.Permit> held = new ArrayList<>();
    try {
      for (int i = 0; i < limits.maxConcurrent(); i++) {
        held.add(limits.admit("demo", System.nanoTime(), dev.pier.runtime.Budget.WAIT));
      }
      given().contentType(ContentType.JSON).body(large).post("/v2/models/demo/infer").then().statusCode(401);
      given().header("Authorization", token).contentType(ContentType.JSON).body(large)
          .post("/v2/models/other/infer").then().statusCode(403);
      given().header("Authorization", token).contentType(ContentType.JSON).body(large)
          .post("/v2/models/demo/infer").then().statusCode(429).header("Retry-After", equalTo("1"));
    } finally {
      held.forEach(dev.pier.runtime.ConcurrencyLimits.Permit::close);
    }
    given().header("Authorization", token).contentType(ContentType.JSON).body(large)
        .post("/v2/models/demo/infer").then().statusCode(200).body("outputs[0].shape[0]", equalTo(5000));
  }

  @Test
  void anApiKeyIsShownOnceStoredOnlyAsASaltedHashAndFailsAtOnceWhenRevoked() {
    JsonPath created = given().header("Authorization", "Bearer " + ADMIN).contentType(ContentType.JSON)
        .body("{\"name\":\"ci\",\"roles\":[\"predictor:demo\"]}").post("/api/v1/keys")
        .then().statusCode(201).extract().jsonPath();
    String key = created.getString("key");
    String id = created.getString("id");
    assertThat(key).startsWith("pier_" + id + "_");

    given().header("X-Api-Key", key).contentType(ContentType.JSON).body(ROW).post("/v2/models/demo/infer")
        .then().statusCode(200);
    given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON).body(ROW)
        .post("/v2/models/demo/infer").then().statusCode(200);
    given().header("X-Api-Key", key).get("/api/v1/keys").then().statusCode(403);
    given().header("Authorization", "Bearer " + ADMIN).get("/api/v1/keys").then().statusCode(200)
        .body("keys.id", hasItem(id)).body(not(containsString(key.substring(("pier_" + id + "_").length()))));

    String secret = key.substring(("pier_" + id + "_").length());
    var items = aws.dynamoDb().scan(b -> b.tableName(pierConfig.auth().apiKeys().table())).items();
    assertThat(items).isNotEmpty();
    for (Map<String, AttributeValue> item : items) {
      assertThat(item.toString()).doesNotContain(secret);
    }

    given().header("Authorization", "Bearer " + ADMIN).post("/api/v1/keys/" + id + "/revoke").then().statusCode(200)
        .body("revoked_at", org.hamcrest.Matchers.notNullValue());
    given().header("X-Api-Key", key).contentType(ContentType.JSON).body(ROW).post("/v2/models/demo/infer")
        .then().statusCode(401).body("error", containsString("API key " + id + " was revoked"));
    given().header("X-Api-Key", key.substring(0, key.length() - 2) + "xx").get("/v2/models/demo")
        .then().statusCode(401).body("error", containsString("unknown or wrong API key"));
  }

  @Test
  void theBootstrapAdminKeyWorksAndIsReadableByItsOwnerOnly() throws Exception {
    String key = Files.readString(AuthOnProfile.ADMIN_KEY).trim();
    assertThat(Files.getPosixFilePermissions(AuthOnProfile.ADMIN_KEY))
        .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    given().header("X-Api-Key", key).get("/api/v1/keys").then().statusCode(200);
  }

  @Test
  void aKeyOverItsOwnRateGets429WithRetryAfter() {
    String key = given().header("Authorization", "Bearer " + ADMIN).contentType(ContentType.JSON)
        .body("{\"name\":\"slow\",\"roles\":[\"viewer\"],\"rate_per_second\":0.2}").post("/api/v1/keys")
        .then().statusCode(201).extract().path("key");
    given().header("X-Api-Key", key).get("/v2/models/demo").then().statusCode(200);
    Response limited = given().header("X-Api-Key", key).get("/v2/models/demo");
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(Integer.parseInt(limited.header("Retry-After"))).isBetween(1, 5);
    assertThat(limited.jsonPath().getString("error")).contains("rate limit");
  }

  @Test
  void stateChangesAreAuditedWithTheirPrincipalAndQueryablePerModelAndPrincipal() {
    String m = "aud-" + UUID.randomUUID().toString().substring(0, 8);
    String scientist = TestTokens.token("sci-" + m, "data-scientist");
    for (String file : List.of("iris-mlp.onnx", "iris-mlp-v2.onnx")) {
      given().header("Authorization", "Bearer " + scientist).header("X-Request-Id", "req-" + m)
          .multiPart("artifact", Fixtures.model(file).toFile()).multiPart("metadata", "{\"framework\":\"onnx\"}")
          .post("/api/v1/models/" + m + "/versions").then().statusCode(201);
    }
    String approver = TestTokens.token("appr-" + m, "approver");
    for (int i = 1; i <= 2; i++) {
      given().header("Authorization", "Bearer " + approver).contentType(ContentType.JSON).body("{\"version\":" + i + "}")
          .put("/api/v1/models/" + m + "/aliases/production").then().statusCode(200);
    }
    given().header("Authorization", "Bearer " + approver).post("/api/v1/models/" + m + "/aliases/production/rollback")
        .then().statusCode(200);

    JsonPath byModel = given().header("Authorization", "Bearer " + ADMIN).queryParam("model", m)
        .get("/api/v1/audit").then().statusCode(200).extract().jsonPath();
    assertThat(byModel.getList("entries.action", String.class))
        .containsExactly("alias.rollback", "alias.set", "alias.set", "version.register", "version.register");
    assertThat(byModel.getString("entries[4].principal")).isEqualTo("jwt:sci-" + m);
    assertThat(byModel.getString("entries[4].request_id")).isEqualTo("req-" + m);
    assertThat(byModel.getString("entries[4].details.sha256")).hasSize(64);

    JsonPath byPrincipal = given().header("Authorization", "Bearer " + ADMIN).queryParam("principal", "jwt:appr-" + m)
        .get("/api/v1/audit").then().statusCode(200).extract().jsonPath();
    assertThat(byPrincipal.getList("entries.action", String.class)).containsExactly("alias.rollback", "alias.set", "alias.set");
    given().header("Authorization", "Bearer " + TestTokens.token("x", "approver")).get("/api/v1/audit").then().statusCode(403);
  }

  @Test
  void aPredictionWithPersonalDataLeavesNoRawPiiInLogsOrAudit() throws Exception {
    String email = "jane.doe." + AuthOnProfile.RUN + "@example.com";
    String card = "4111 1111 1111 1111";
    String iban = "DE89 3704 0044 0532 0130 00";
    String phone = "+44 20 7946 0958";
    String ssn = "078-05-1120";
    String body = "{\"id\":\"" + email + "\",\"parameters\":{\"card\":\"" + card + "\",\"iban\":\"" + iban
        + "\",\"phone\":\"" + phone + "\",\"ssn\":\"" + ssn + "\"},"
        + "\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}]}";
    given().header("Authorization", "Bearer " + TestTokens.token("pii", "predictor")).header("X-Pier-Unit", email)
        .header("X-Pier-Subject", phone).contentType(ContentType.JSON).body(body)
        .post("/v2/models/demo/infer").then().statusCode(200);

    String audit = given().header("Authorization", "Bearer " + ADMIN).queryParam("principal", "jwt:pii")
        .get("/api/v1/audit").then().statusCode(200).extract().asString();
    assertThat(audit).contains("input_sha256").contains("[EMAIL]").contains("[CARD]").contains("[IBAN]");
    String log = Files.readString(AuthOnProfile.LOG);
    assertThat(log).as("the access log and the audit DEBUG line were written").contains("unit=[EMAIL]");
    for (String pii : List.of(email, card, card.replace(" ", ""), iban, phone, ssn)) {
      assertThat(audit).doesNotContain(pii);
      assertThat(log).doesNotContain(pii);
    }
    var samples = new ArrayList<String>();
    try (var files = Files.walk(java.nio.file.Path.of(pierConfig.dataDir()))) {
      for (var f : files.filter(Files::isRegularFile).filter(f -> f.toString().contains("audit")).toList()) {
        samples.add(Files.readString(f));
      }
    }
    assertThat(String.join("\n", samples)).doesNotContain(email).doesNotContain(card).doesNotContain(phone);
  }

  @Test
  void erasureRemovesTheSubjectsAuditSamplesAndIsItselfAudited() {
    String subject = "user-" + UUID.randomUUID();
    String predictor = TestTokens.token("erasure-" + subject, "predictor");
    for (int i = 0; i < 2; i++) {
      given().header("Authorization", "Bearer " + predictor).header("X-Pier-Subject", subject)
          .contentType(ContentType.JSON).body(ROW).post("/v2/models/demo/infer").then().statusCode(200);
    }
    JsonPath result = given().header("Authorization", "Bearer " + ADMIN).contentType(ContentType.JSON)
        .body("{\"subject\":\"" + subject + "\"}").post("/api/v1/privacy/erasure")
        .then().statusCode(200).extract().jsonPath();
    assertThat(result.getInt("removed.audit_samples")).isEqualTo(2);
    String hash = result.getString("subject_hash");

    JsonPath left = given().header("Authorization", "Bearer " + ADMIN).queryParam("principal", "jwt:erasure-" + subject)
        .get("/api/v1/audit").then().statusCode(200).extract().jsonPath();
    assertThat(left.getList("entries")).isEmpty();
    JsonPath erasures = given().header("Authorization", "Bearer " + ADMIN).queryParam("principal", "jwt:root")
        .queryParam("max_results", 1000).get("/api/v1/audit").then().extract().jsonPath();
    assertThat(erasures.getList("entries.details.subject_hash")).contains(hash);
    assertThat(erasures.prettify()).doesNotContain(subject);
  }

  private static String key(String... roles) {
    return given().header("Authorization", "Bearer " + ADMIN).contentType(ContentType.JSON)
        .body("{\"name\":\"t\",\"roles\":[\"" + String.join("\",\"", roles) + "\"]}").post("/api/v1/keys")
        .then().statusCode(201).extract().path("key");
  }

  /** Issue 23.1: the keys permission hands on nothing its holder lacks. */
  @Test
  void aKeyWithOnlyTheKeysPermissionCannotMintAnAdminKey() {
    String keysOnly = key("keys");
    given().header("X-Api-Key", keysOnly).contentType(ContentType.JSON)
        .body("{\"name\":\"escalate\",\"roles\":[\"admin\"]}").post("/api/v1/keys").then().statusCode(403)
        .contentType("application/problem+json").body("detail", containsString("may not grant admin"));
    given().header("X-Api-Key", keysOnly).contentType(ContentType.JSON)
        .body("{\"name\":\"reader\",\"roles\":[\"viewer:demo\"]}").post("/api/v1/keys").then().statusCode(403);
    given().header("X-Api-Key", keysOnly).contentType(ContentType.JSON)
        .body("{\"name\":\"peer\",\"roles\":[\"keys\"]}").post("/api/v1/keys").then().statusCode(201);
    String scoped = key("keys", "data-scientist:sec-*");
    given().header("X-Api-Key", scoped).contentType(ContentType.JSON)
        .body("{\"name\":\"wider\",\"roles\":[\"predictor\"]}").post("/api/v1/keys").then().statusCode(403);
    given().header("X-Api-Key", scoped).contentType(ContentType.JSON)
        .body("{\"name\":\"narrower\",\"roles\":[\"predictor:sec-a*\"]}").post("/api/v1/keys").then()
        .statusCode(201);
  }

  /** Issue 22: the keys permission revokes only keys its holder could have made, never an admin's. */
  @Test
  void aKeyWithOnlyTheKeysPermissionCannotRevokeAnAdminKey() {
    String keysOnly = key("keys");
    String adminId = given().header("Authorization", "Bearer " + ADMIN).contentType(ContentType.JSON)
        .body("{\"name\":\"ops\",\"roles\":[\"admin\"]}").post("/api/v1/keys").then().statusCode(201)
        .extract().path("id");
    given().header("X-Api-Key", keysOnly).post("/api/v1/keys/" + adminId + "/revoke").then().statusCode(403)
        .contentType("application/problem+json")
        .body("detail", containsString("may not revoke API key " + adminId + ", which carries admin"));
    given().header("Authorization", "Bearer " + ADMIN).get("/api/v1/keys").then().statusCode(200)
        .body("keys.find { it.id == '" + adminId + "' }.revoked_at", org.hamcrest.Matchers.nullValue());
    String scopedId = given().header("Authorization", "Bearer " + ADMIN).contentType(ContentType.JSON)
        .body("{\"name\":\"reader\",\"roles\":[\"viewer:demo\"]}").post("/api/v1/keys").then().statusCode(201)
        .extract().path("id");
    given().header("X-Api-Key", keysOnly).post("/api/v1/keys/" + scopedId + "/revoke").then().statusCode(403)
        .body("detail", containsString("which carries viewer:demo"));
    String peerId = given().header("X-Api-Key", keysOnly).contentType(ContentType.JSON)
        .body("{\"name\":\"peer\",\"roles\":[\"keys\"]}").post("/api/v1/keys").then().statusCode(201)
        .extract().path("id");
    given().header("X-Api-Key", keysOnly).post("/api/v1/keys/" + peerId + "/revoke").then().statusCode(200)
        .body("revoked_at", org.hamcrest.Matchers.notNullValue());
    given().header("Authorization", "Bearer " + ADMIN).post("/api/v1/keys/" + adminId + "/revoke").then()
        .statusCode(200);
  }

  /** Issue 23.8: the metrics name every model and its traffic. */
  @Test
  void metricsNeedTheMetricsPermissionWhileAuthenticationIsOn() {
    given().get("/q/metrics").then().statusCode(401).header("WWW-Authenticate", "Bearer realm=\"pier\"")
        .contentType("application/problem+json");
    given().header("Authorization", "Bearer " + TestTokens.token("m", "viewer")).get("/q/metrics").then()
        .statusCode(403).body("detail", containsString("may not metrics on the platform"));
    given().header("X-Api-Key", "pier__x").get("/q/metrics").then().statusCode(401);
    given().header("X-Api-Key", key("metrics")).get("/q/metrics").then().statusCode(200)
        .body(containsString("pier_"));
    given().header("Authorization", "Bearer " + ADMIN).get("/q/metrics").then().statusCode(200);
  }

  /** Issue 23.10: whatever a caller puts in its credentials, the answer is a 401. */
  @Test
  void malformedCredentialsOfAnyShapeAre401NeverA500() {
    List<String[]> headers = List.of(
        new String[] {"X-Api-Key", "pier__x"}, new String[] {"X-Api-Key", "pier_"}, new String[] {"X-Api-Key", "pier__"},
        new String[] {"X-Api-Key", "pier_" + "a".repeat(5000) + "_x"}, new String[] {"X-Api-Key", "not-a-key"},
        new String[] {"X-Api-Key", "pier_abcdefghijkm_%%%"}, new String[] {"Authorization", "Bearer pier__x"},
        new String[] {"Authorization", "Bearer a.b.c"}, new String[] {"Authorization", "Bearer ..."},
        new String[] {"Authorization", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOjF9."},
        new String[] {"Authorization", "Bearer eyJ9.eyJ9.eyJ9"}, new String[] {"Authorization", "Basic dTpw"},
        new String[] {"Authorization", "Bearer"}, new String[] {"Authorization", "Bearer \u00e9\u00e9"});
    for (String[] h : headers) {
      for (String path : List.of("/api/v1/models", "/v2/models/demo")) {
        Response r = given().header(h[0], h[1]).get(path);
        assertThat(r.statusCode()).as("%s: %s on %s -> %s", h[0], h[1], path, r.asString()).isEqualTo(401);
      }
      Response infer = given().header(h[0], h[1]).contentType(ContentType.JSON).body(ROW).post("/v2/models/demo/infer");
      assertThat(infer.statusCode()).as("%s: %s on infer -> %s", h[0], h[1], infer.asString()).isEqualTo(401);
    }
    assertThat(uncheckedLog()).doesNotContain("pier__x").doesNotContain("failed unexpectedly");
  }

  private static String uncheckedLog() {
    try {
      return Files.readString(AuthOnProfile.LOG);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Issue 23.10: a multipart body no parser can read is the caller's mistake, answered in the API's format. */
  @Test
  void unparseableMultipartIsA400ProblemJson() {
    Response r = given().header("Authorization", "Bearer " + ADMIN)
        .contentType("multipart/form-data; boundary=pier-boundary")
        .body(("--pier-boundary\r\nContent-Disposition: form-data; name=\"artifact\"; filename=\"m.onnx\"\r\n"
            + "garbage without a blank line or a closing boundary").getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .post("/api/v1/models/" + model + "-mp/versions");
    assertThat(r.statusCode()).as(r.asString()).isEqualTo(400);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.jsonPath().getString("detail")).isNotBlank();
  }

  /** Issue 23.10: an engine's load error reaches the caller without the server's file paths. */
  @Test
  void anOnnxLoadErrorNamesNoServerPath() throws Exception {
    var garbage = Files.createTempFile("not-a-model", ".onnx");
    Files.writeString(garbage, "this is not an ONNX graph");
    Response r = given().header("Authorization", "Bearer " + ADMIN).multiPart("artifact", garbage.toFile())
        .multiPart("metadata", "{\"framework\":\"onnx\"}").post("/api/v1/models/" + model + "-bad/versions");
    assertThat(r.statusCode()).as(r.asString()).isEqualTo(400);
    String detail = r.jsonPath().getString("detail");
    assertThat(detail).contains("not a loadable ONNX model").doesNotContain("/tmp").doesNotContain("/work")
        .doesNotContain(System.getProperty("java.io.tmpdir")).doesNotContain(System.getProperty("user.dir"));
  }

  /**
   * Issue 13.7: without (or with bad) credentials a request is a 401 before its route, method, media type or body
   * is looked at.
   */
  @Test
  void anUnauthenticatedRequestIs401BeforeItsMediaTypeOrBodyIsLookedAt() {
    String versions = "/api/v1/models/" + model + "/versions";
    for (String bad : new String[] {null, "pier__x", TestTokens.token("x", "viewer").replace('.', '_')}) {
      RequestSpecification json = bad == null ? given() : given().header("X-Api-Key", bad);
      for (Response r : List.of(
          json.contentType(ContentType.JSON).body("{\"framework\":\"onnx\"}").post(versions), // 415 before
          given().headers(bad == null ? Map.of() : Map.of("X-Api-Key", bad)).contentType(ContentType.XML).body("<x/>")
              .put("/api/v1/models/demo/aliases/production"),
          given().headers(bad == null ? Map.of() : Map.of("X-Api-Key", bad)).delete("/api/v1/no-such-route"),
          given().headers(bad == null ? Map.of() : Map.of("X-Api-Key", bad)).get("/v2/health/nothing"),
          given().headers(bad == null ? Map.of() : Map.of("X-Api-Key", bad)).contentType(ContentType.TEXT)
              .body("rows").post("/v2/models/demo/infer"),
          given().headers(bad == null ? Map.of() : Map.of("X-Api-Key", bad)).contentType(ContentType.JSON)
              .body("{\"inputs\":" + "[".repeat(100)).post("/v2/models/demo/versions/1/infer"),
          given().headers(bad == null ? Map.of() : Map.of("X-Api-Key", bad))
              .contentType("multipart/form-data; boundary=b").body("--b\r\nbroken".getBytes(java.nio.charset.StandardCharsets.UTF_8)).post(versions))) {
        assertThat(r.statusCode()).as("%s: %s", bad, r.asString()).isEqualTo(401);
        assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"pier\"");
      }
    }
    // and the same POST with credentials gets past authentication to the media-type check
    given().header("Authorization", "Bearer " + ADMIN).contentType(ContentType.JSON).body("{}").post(versions)
        .then().statusCode(415);
  }

  @Inject RpcStartup rpc;

  /** gRPC passes the same check: metadata credentials, the message's model, the same roles. */
  @Test
  void grpcCallsAre401WithoutCredentials403WithTheWrongRoleAndServedWithTheRightOne() throws Exception {
    io.grpc.ManagedChannel channel = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder
        .forAddress("127.0.0.1", rpc.port("grpc")).usePlaintext().build();
    try {
      var request = dev.pier.grpc.v2.ModelInferRequest.newBuilder().setModelName("demo")
          .addInputs(dev.pier.grpc.v2.ModelInferRequest.InferInputTensor.newBuilder().setName("input")
              .setDatatype("FP32").addShape(1).addShape(4)
              .setContents(dev.pier.grpc.v2.InferTensorContents.newBuilder().addFp32Contents(5.1f)
                  .addFp32Contents(3.5f).addFp32Contents(1.4f).addFp32Contents(0.2f)))
          .build();
      var stub = dev.pier.grpc.v2.GRPCInferenceServiceGrpc.newBlockingStub(channel);
      assertThat(stub.serverLive(dev.pier.grpc.v2.ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> stub.modelInfer(request))
          .satisfies(e -> assertThat(((io.grpc.StatusRuntimeException) e).getStatus().getCode())
              .isEqualTo(io.grpc.Status.Code.UNAUTHENTICATED));
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> withToken(stub, "viewer").modelInfer(request))
          .satisfies(e -> assertThat(((io.grpc.StatusRuntimeException) e).getStatus().getCode())
              .isEqualTo(io.grpc.Status.Code.PERMISSION_DENIED));
      assertThat(withToken(stub, "predictor").modelInfer(request).getModelVersion()).isNotEmpty();
    } finally {
      channel.shutdownNow();
    }
  }

  private static dev.pier.grpc.v2.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub withToken(
      dev.pier.grpc.v2.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub, String role) {
    io.grpc.Metadata md = new io.grpc.Metadata();
    md.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + TestTokens.token("grpc-" + role, role));
    return stub.withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md));
  }
}
