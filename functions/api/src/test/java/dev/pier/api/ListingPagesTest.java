package dev.pier.api;

import dev.pier.kernel.aws.AwsClients;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Every listing takes the same {@code max_results} (1…1000, default 100) and pages with {@code page_token}. */
@QuarkusTest
@TestProfile(AuthOnProfile.class)
class ListingPagesTest {
  @jakarta.inject.Inject AwsClients aws;
  private static final String ADMIN = TestTokens.token("root", "admin");
  private static final String MODEL = "pages-" + UUID.randomUUID().toString().substring(0, 8);

  @Test
  void batchJobsAreListedInPagesThatFollowEachOtherWithoutRepeatsOrGaps() {
    as(ADMIN).multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
        .multiPart("metadata", "{\"framework\":\"onnx\"}")
        .post("/api/v1/models/" + MODEL + "/versions").then().statusCode(201);
    as(ADMIN).contentType(ContentType.JSON).body("{\"version\":1}")
        .put("/api/v1/models/" + MODEL + "/aliases/production").then().statusCode(200);
    List<String> submitted = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      BatchTestClient.put(aws.s3(), MODEL + "/rows-" + i + ".jsonl", "{\"input\":[5.1,3.5,1.4,0.2]}\n");
      submitted.add(as(ADMIN).contentType(ContentType.JSON)
          .body("{\"model\":\"" + MODEL + "\",\"input\":\"s3://pier-batch/" + MODEL + "/rows-" + i + ".jsonl\"}")
          .post("/api/v1/batch-jobs").then().statusCode(201).extract().<String>path("id"));
    }

    List<String> listed = new ArrayList<>();
    String token = null;
    int pages = 0;
    do {
      RequestSpecification request = as(ADMIN).queryParam("model", MODEL).queryParam("max_results", 2);
      if (token != null) {
        request.queryParam("page_token", token);
      }
      var page = request.get("/api/v1/batch-jobs").then().statusCode(200).extract();
      listed.addAll(page.<List<String>>path("jobs.id"));
      token = page.path("next_page_token");
      pages++;
    } while (token != null);

    assertThat(listed).containsExactlyElementsOf(submitted);
    assertThat(pages).isEqualTo(2);
  }

  @Test
  void everyListingRefusesAPageSizeOutOfBoundsNamingTheParameter() {
    for (String path : List.of("/api/v1/batch-jobs", "/api/v1/batch-schedules", "/api/v1/keys", "/api/v1/audit",
        "/api/v1/models", "/api/v1/models/demo/versions", "/api/v1/model-versions/search", "/api/v1/models/demo/audit",
        "/api/v1/models/demo/aliases/production/history")) {
      for (String bad : List.of("0", "1001", "ten")) {
        as(ADMIN).queryParam("max_results", bad).get(path).then().statusCode(400)
            .body("detail", equalTo("max_results must be an integer from 1 to 1000, got '" + bad + "'"));
      }
    }
  }

  @Test
  void aPageTokenNoListingGaveIsA400() {
    as(ADMIN).queryParam("page_token", "%%").get("/api/v1/batch-schedules").then().statusCode(400);
  }

  private static RequestSpecification as(String token) {
    return given().header("Authorization", "Bearer " + token);
  }
}
