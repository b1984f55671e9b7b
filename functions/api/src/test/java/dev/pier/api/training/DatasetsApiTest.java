package dev.pier.api.training;

import dev.pier.kernel.aws.AwsClients;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/** Dataset versions through the API on local mode's S3 and DynamoDB stand-ins. */
@QuarkusTest
class DatasetsApiTest {
  @Inject AwsClients aws;

  private void put(String key, String body) {
    aws.s3().putObject(b -> b.bucket("pier-batch").key(key), RequestBody.fromString(body));
  }

  private static JsonPath record(String body) {
    return given().contentType("application/json").body(body).post("/api/v1/datasets").then().log().ifValidationFails().statusCode(201)
        .extract().jsonPath();
  }

  @Test
  void theSameFilesGiveTheSameVersionAndAChangedFileANewOne() {
    put("datasets/loans/part-1.csv", "income,age,label\n1.5,30,1\n0.2,41,0\n");
    put("datasets/loans/part-2.csv", "income,age,label\n2.5,22,1\n");
    JsonPath first = record("{\"name\": \"loans\", \"uri\": \"s3://pier-batch/datasets/loans/\"}");
    assertThat(first.getString("version")).hasSize(64);
    assertThat(first.getLong("rows")).isEqualTo(3);
    assertThat(first.getString("format")).isEqualTo("CSV");
    assertThat(first.getList("schema.name")).containsExactly("income", "age", "label");
    assertThat(first.getList("schema.type")).containsExactly("DOUBLE", "BIGINT", "BIGINT");
    assertThat(first.getList("objects.key")).containsExactly("datasets/loans/part-1.csv", "datasets/loans/part-2.csv");

    JsonPath again = record("{\"name\": \"loans\", \"uri\": \"s3://pier-batch/datasets/loans/\"}");
    assertThat(again.getString("version")).isEqualTo(first.getString("version"));
    assertThat(again.getString("created_at")).isEqualTo(first.getString("created_at"));

    put("datasets/loans/part-2.csv", "income,age,label\n2.5,22,1\n0.1,50,0\n");
    JsonPath changed = record("{\"name\": \"loans\", \"uri\": \"s3://pier-batch/datasets/loans/\"}");
    assertThat(changed.getString("version")).isNotEqualTo(first.getString("version"));
    assertThat(changed.getLong("rows")).isEqualTo(4);

    List<String> versions = given().get("/api/v1/datasets/loans/versions").then().statusCode(200)
        .extract().jsonPath().getList("versions.version");
    assertThat(versions).containsExactly(changed.getString("version"), first.getString("version"));
    given().get("/api/v1/datasets").then().statusCode(200)
        .body("datasets.find { it.name == 'loans' }.versions", equalTo(2))
        .body("datasets.find { it.name == 'loans' }.latest.version", equalTo(changed.getString("version")));
    given().get("/api/v1/datasets/loans/versions/" + first.getString("version").substring(0, 12)).then()
        .statusCode(200).body("rows", equalTo(3));
  }

  @Test
  void aUriThatNamesNoDataOrAnUnknownDatasetIsRefusedByName() {
    given().contentType("application/json").body("{\"uri\": \"s3://pier-batch/datasets/nothing-here/\", \"format\": \"csv\"}")
        .post("/api/v1/datasets").then().statusCode(400).body("detail", containsString("names no csv file"));
    given().contentType("application/json").body("{\"uri\": \"s3://pier-batch/x.csv\", \"colour\": \"red\"}")
        .post("/api/v1/datasets").then().statusCode(400).body("detail", containsString("unknown field 'colour'"));
    given().get("/api/v1/datasets/no-such-dataset/versions").then().statusCode(404)
        .body("detail", containsString("no dataset 'no-such-dataset'"));
  }
}
