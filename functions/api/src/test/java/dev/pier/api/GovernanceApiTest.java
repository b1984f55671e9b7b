package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Metadata with ETags, the approval workflow, the audit history, deletion rules and search through /api/v1. */
@QuarkusTest
class GovernanceApiTest {
  private static String fresh() {
    return "g-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static int register(String model, String user, String metadata) {
    return given().header("X-Pier-User", user)
        .multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile()).multiPart("metadata", metadata)
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201).extract().path("version");
  }

  @Test
  void aStaleIfMatchIsRefusedWith412AndAFreshOneApplies() {
    String model = fresh();
    register(model, "alice", "{\"framework\":\"onnx\",\"tags\":{\"team\":\"ml\"}}");
    String etag = given().get("/api/v1/models/" + model + "/versions/1").then().statusCode(200)
        .extract().header("ETag");
    given().header("If-Match", etag).contentType(ContentType.JSON)
        .body("{\"description\":\"better\",\"tags\":{\"team\":null,\"owner\":\"bob\"},\"metrics\":{\"auc\":0.91}}")
        .patch("/api/v1/models/" + model + "/versions/1").then().statusCode(200)
        .body("description", equalTo("better")).body("tags.owner", equalTo("bob")).body("metrics.auc", equalTo(0.91f));
    given().header("If-Match", etag).contentType(ContentType.JSON).body("{\"description\":\"lost update\"}")
        .patch("/api/v1/models/" + model + "/versions/1").then().statusCode(412);
    given().header("If-Match", "\"1\"").contentType(ContentType.JSON).body("{\"description\":\"m\"}")
        .patch("/api/v1/models/" + model).then().statusCode(200).header("ETag", containsString("2"));
  }

  @Test
  void withThePolicyOnAnUnapprovedVersionCannotTakeProductionAndSelfApprovalIsRefused() {
    String model = fresh();
    register(model, "alice", "{\"framework\":\"onnx\"}");
    given().contentType(ContentType.JSON).body("{\"approval_policy\":{\"required\":true}}")
        .patch("/api/v1/models/" + model).then().statusCode(200);
    int v = register(model, "alice", "{\"framework\":\"onnx\"}");
    given().get("/api/v1/models/" + model + "/versions/" + v).then().body("status", equalTo("PENDING_REVIEW"));

    given().contentType(ContentType.JSON).body("{\"version\":" + v + "}")
        .put("/api/v1/models/" + model + "/aliases/production").then().statusCode(409)
        .body("detail", containsString("only APPROVED versions"));
    given().header("X-Pier-User", "alice").contentType(ContentType.JSON).body("{\"comment\":\"lgtm\"}")
        .post("/api/v1/models/" + model + "/versions/" + v + "/approve").then().statusCode(403)
        .body("detail", containsString("self-approval"));
    given().header("X-Pier-User", "bob").contentType(ContentType.JSON).body("{\"comment\":\"lgtm\"}")
        .post("/api/v1/models/" + model + "/versions/" + v + "/approve").then().statusCode(200)
        .body("status", equalTo("APPROVED"));
    given().header("X-Pier-User", "carol").contentType(ContentType.JSON).body("{\"version\":" + v + "}")
        .put("/api/v1/models/" + model + "/aliases/production").then().statusCode(200);

    given().get("/api/v1/models/" + model + "/audit").then().statusCode(200)
        .body("entries.action", hasItems("version.created", "policy.changed", "review.approved", "alias.set"))
        .body("entries.find { it.action == 'review.approved' }.actor", equalTo("bob"))
        .body("entries.find { it.action == 'review.approved' }.comment", equalTo("lgtm"))
        .body("entries.find { it.action == 'alias.set' }.actor", equalTo("carol"))
        .body("entries.find { it.action == 'version.created' && it.version == " + v + " }.to",
            equalTo("PENDING_REVIEW"));
  }

  @Test
  void aVersionBehindAnAliasCannotBeDeleted() {
    String model = fresh();
    register(model, "alice", "{\"framework\":\"onnx\"}");
    register(model, "alice", "{\"framework\":\"onnx\"}");
    given().contentType(ContentType.JSON).body("{\"version\":1}").put("/api/v1/models/" + model + "/aliases/production")
        .then().statusCode(200);
    given().delete("/api/v1/models/" + model + "/versions/1").then().statusCode(409)
        .body("detail", containsString("behind alias 'production'"));
    given().delete("/api/v1/models/" + model + "/versions/2").then().statusCode(204);
    given().get("/api/v1/models/" + model + "/versions/2").then().statusCode(404);
  }

  @Test
  void searchesVersionsByTagAndMetricThresholdSortedAndPaged() {
    String team = "t" + UUID.randomUUID().toString().substring(0, 6);
    String model = fresh();
    for (double auc : new double[] {0.85, 0.95, 0.92, 0.97}) {
      register(model, "alice", "{\"framework\":\"onnx\",\"tags\":{\"team\":\"" + team + "\"},\"metrics\":{\"auc\":"
          + auc + "}}");
    }
    String filter = "tags.team = '" + team + "' AND metrics.auc > 0.9";
    String token = given().queryParam("filter", filter).queryParam("order_by", "metrics.auc DESC")
        .queryParam("max_results", 2).get("/api/v1/model-versions/search").then().statusCode(200)
        .body("versions.metrics.auc", equalTo(List.of(0.97f, 0.95f))).extract().path("next_page_token");
    given().queryParam("filter", filter).queryParam("order_by", "metrics.auc DESC").queryParam("max_results", 2)
        .queryParam("page_token", token).get("/api/v1/model-versions/search").then().statusCode(200)
        .body("versions.metrics.auc", equalTo(List.of(0.92f)));
    given().queryParam("filter", "framework = 'onnx' AND name = '" + model + "' AND status = 'NONE'")
        .get("/api/v1/model-versions/search").then().statusCode(200).body("versions.size()", equalTo(4));
    given().queryParam("filter", "metrics.auc >> 1").get("/api/v1/model-versions/search").then().statusCode(400);
  }

  @Test
  void lineageNamesDatasetsCodeParentsUpstreamAndAliasesAndChildVersionsDownstream() {
    String model = fresh();
    register(model, "alice", "{\"framework\":\"onnx\"}");
    register(model, "alice", "{\"framework\":\"onnx\",\"run_id\":\"r-1\",\"lineage\":{"
        + "\"datasets\":[{\"uri\":\"s3://data/iris.parquet\",\"version\":\"v3\",\"sha256\":\"ab\"}],"
        + "\"code\":{\"repository\":\"git@example.com:ml/iris\",\"commit\":\"c0ffee\"},"
        + "\"parents\":[{\"model\":\"" + model + "\",\"version\":1}]}}");
    given().contentType(ContentType.JSON).body("{\"version\":1}").put("/api/v1/models/" + model + "/aliases/production")
        .then().statusCode(200);
    given().get("/api/v1/models/" + model + "/versions/2/lineage").then().statusCode(200)
        .body("upstream.datasets[0].uri", equalTo("s3://data/iris.parquet"))
        .body("upstream.code.commit", equalTo("c0ffee"))
        .body("upstream.run.id", equalTo("r-1"))
        .body("upstream.parents[0].version", equalTo(1));
    given().get("/api/v1/models/" + model + "/versions/1/lineage").then().statusCode(200)
        .body("downstream.aliases", equalTo(List.of("production")))
        .body("downstream.versions[0].version", equalTo(2));
    given().multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
        .multiPart("metadata", "{\"framework\":\"onnx\",\"lineage\":{\"parents\":[{\"model\":\"x\"}]}}")
        .post("/api/v1/models/" + model + "/versions").then().statusCode(400);
  }
}
