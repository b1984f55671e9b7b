package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** KServe's and Triton's conventions that clients probe for: the server's extensions and the repository index. */
@QuarkusTest
class RepositoryIndexTest {
  @Test
  void serverMetadataListsTheExtensionsItServes() {
    given().get("/v2").then().statusCode(200).body("extensions", contains("binary_tensor_data", "parameters"));
  }

  @Test
  void theIndexListsServedModelsReadyAndModelsWithoutAProductionAliasUnavailable() {
    String unaliased = "index-" + UUID.randomUUID().toString().substring(0, 8);
    given().multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
        .multiPart("metadata", "{\"framework\":\"onnx\"}")
        .post("/api/v1/models/" + unaliased + "/versions").then().statusCode(201);

    given().contentType(ContentType.JSON).body("{}").post("/v2/repository/index").then().statusCode(200)
        .body("find { it.name == 'demo' }.state", org.hamcrest.Matchers.equalTo("READY"))
        .body("find { it.name == 'demo' }.version", org.hamcrest.Matchers.equalTo("1"))
        .body("find { it.name == '" + unaliased + "' }.state", org.hamcrest.Matchers.equalTo("UNAVAILABLE"))
        .body("find { it.name == '" + unaliased + "' }.reason", containsString("no production alias"));
    given().contentType(ContentType.JSON).body("{\"ready\": true}").post("/v2/repository/index").then()
        .statusCode(200).body("name", hasItems("demo")).body("name", not(hasItems(unaliased)));
  }

  @Test
  void aBodyThatIsNotTheIndexRequestIsA400NamingTheShape() {
    given().contentType(ContentType.JSON).body("{\"ready\": \"yes\"}").post("/v2/repository/index").then()
        .statusCode(400).body("error", containsString("{\"ready\": true|false}"));
  }
}
