package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Model cards as JSON and HTML, and artifacts moved through presigned S3 URLs. */
@QuarkusTest
class ModelDocsAndTransfersTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static String fresh() {
    return "d-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Test
  void aModelCardIsServedAsJsonAndAsHtmlWithRawHtmlEscaped() {
    String model = fresh();
    given().multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile()).multiPart("metadata", "{\"framework\":\"onnx\"}")
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201);
    given().contentType(ContentType.JSON).body("{\"markdown\":\"# Iris\\n*small* model <script>x()</script>\","
        + "\"intended_use\":\"teaching\",\"limitations\":\"three species only\",\"evaluation_data\":\"iris test split\","
        + "\"evaluation_results\":{\"accuracy\":0.97},\"fairness_notes\":\"no people involved\"}")
        .put("/api/v1/models/" + model + "/versions/1/card").then().statusCode(200).header("ETag", containsString("1"));
    given().get("/api/v1/models/" + model + "/versions/1/card").then().statusCode(200)
        .body("intended_use", equalTo("teaching")).body("evaluation_results.accuracy", equalTo(0.97f));
    given().get("/api/v1/models/" + model + "/versions/1/card.html").then().statusCode(200)
        .contentType(containsString("text/html"))
        .body(containsString("<h1>Iris</h1>"), containsString("<em>small</em>"), containsString("three species only"),
            not(containsString("<script>")));
    given().header("If-Match", "\"7\"").contentType(ContentType.JSON).body("{\"markdown\":\"stale\"}")
        .put("/api/v1/models/" + model + "/versions/1/card").then().statusCode(412);
  }

  @Test
  void aPresignedMultipartUploadRegistersAVersionAndItsDownloadUrlReturnsTheBytes() throws Exception {
    String model = fresh();
    byte[] bytes = Files.readAllBytes(Fixtures.model("iris-mlp.onnx"));
    var started = given().contentType(ContentType.JSON).body("{\"size_bytes\":" + bytes.length + "}")
        .post("/api/v1/models/" + model + "/uploads").then().statusCode(201).extract().jsonPath();
    String uploadId = started.getString("upload_id");
    String partUrl = started.getString("parts[0].url");
    HttpResponse<String> put = HTTP.send(HttpRequest.newBuilder(URI.create(partUrl))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).isEqualTo(200);
    String etag = put.headers().firstValue("ETag").orElseThrow();

    given().contentType(ContentType.JSON).body("{\"parts\":[{\"part_number\":1,\"etag\":" + quote(etag) + "}],"
        + "\"metadata\":{\"framework\":\"onnx\"}}")
        .post("/api/v1/models/" + model + "/uploads/" + uploadId + "/complete").then().statusCode(201)
        .body("version", equalTo(1)).body("signature.inputs[0].name", equalTo("input"));

    String url = given().get("/api/v1/models/" + model + "/versions/1/download-url").then().statusCode(200)
        .extract().path("url");
    HttpResponse<byte[]> got = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(got.body())))
        .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
  }

  private static final String EXTERNAL_ROW =
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[0,0,0,0]}]}";

  /** The reference output of the all-zero row: the bias {@code b}, kept with the weights as external data. */
  private static float[] externalZeroRow() throws Exception {
    var out = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
        Fixtures.model("linear-external.reference.json").toFile()).get("output").get(3);
    return new float[] {(float) out.get(0).asDouble(), (float) out.get(1).asDouble(), (float) out.get(2).asDouble()};
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"linear-external.tar.gz", "linear-external.zip"})
  void anOnnxGraphWithExternalDataRegistersAsAMultipartArchiveAndServes(String file) throws Exception {
    String model = fresh();
    given().multiPart("artifact", Fixtures.model(file).toFile()).multiPart("metadata", "{\"framework\":\"onnx\"}")
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201)
        .body("signature.inputs[0].name", equalTo("input"));
    float[] expected = externalZeroRow();
    var out = given().contentType(ContentType.JSON).body(EXTERNAL_ROW).post("/v2/models/" + model + "/versions/1/infer")
        .then().statusCode(200).body("outputs[0].name", equalTo("output")).extract().jsonPath();
    for (int i = 0; i < 3; i++) {
      assertThat(out.getFloat("outputs[0].data[" + i + "]")).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-5f));
    }
  }

  @Test
  void anOnnxGraphWithExternalDataRegistersThroughTheBigArtifactUploadAndServesOnAnEndpoint() throws Exception {
    String model = fresh();
    byte[] bytes = Files.readAllBytes(Fixtures.model("linear-external.tar.gz"));
    var started = given().contentType(ContentType.JSON).body("{\"size_bytes\":" + bytes.length + "}")
        .post("/api/v1/models/" + model + "/uploads").then().statusCode(201).extract().jsonPath();
    HttpResponse<String> put = HTTP.send(HttpRequest.newBuilder(URI.create(started.getString("parts[0].url")))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).isEqualTo(200);
    given().contentType(ContentType.JSON).body("{\"parts\":[{\"part_number\":1,\"etag\":"
        + quote(put.headers().firstValue("ETag").orElseThrow()) + "}],\"metadata\":{\"framework\":\"onnx\","
        + "\"placement\":{\"kind\":\"endpoint\",\"instance_type\":\"ml.m5.large\",\"instance_count\":1}}}")
        .post("/api/v1/models/" + model + "/uploads/" + started.getString("upload_id") + "/complete")
        .then().statusCode(201).body("signature.inputs[0].name", equalTo("input"));
    float[] expected = externalZeroRow();
    var out = given().contentType(ContentType.JSON).body(EXTERNAL_ROW).post("/v2/models/" + model + "/versions/1/infer")
        .then().statusCode(200).extract().jsonPath();
    assertThat(out.getFloat("outputs[0].data[1]")).isCloseTo(expected[1], org.assertj.core.data.Offset.offset(1e-5f));
  }

  @Test
  void anArchiveWithAnEntryLeavingItIsRefusedAtRegistration() throws Exception {
    String model = fresh();
    java.nio.file.Path archive = Files.createTempFile("evil", ".zip");
    try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(archive))) {
      zip.putNextEntry(new java.util.zip.ZipEntry("../../evil.onnx"));
      zip.write(Files.readAllBytes(Fixtures.model("iris-mlp.onnx")));
      zip.closeEntry();
    }
    given().multiPart("artifact", archive.toFile()).multiPart("metadata", "{\"framework\":\"onnx\"}")
        .post("/api/v1/models/" + model + "/versions").then().statusCode(400)
        .body("detail", containsString("points outside the archive"));
    given().get("/api/v1/models/" + model).then().statusCode(404);
    Files.delete(archive);
  }

  private static String quote(String etag) {
    return "\"" + etag.replace("\"", "\\\"") + "\"";
  }
}
