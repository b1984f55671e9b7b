package dev.pier.api;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** What batch tests do over and over: put inputs, start jobs, wait for them to end, read outputs. */
final class BatchTestClient {
  private BatchTestClient() {}

  static void put(S3Client s3, String key, String body) {
    s3.putObject(b -> b.bucket("pier-batch").key(key), RequestBody.fromString(body));
  }

  /** An {@code s3://bucket/key} object as text. */
  static String read(S3Client s3, String uri) {
    String rest = uri.substring("s3://".length());
    int slash = rest.indexOf('/');
    return s3.getObjectAsBytes(b -> b.bucket(rest.substring(0, slash)).key(rest.substring(slash + 1))).asUtf8String();
  }

  /** POSTs a job (a JSON body) and returns its id. */
  static String submit(String body) {
    return given().contentType(ContentType.JSON).body(body).post("/api/v1/batch-jobs").then().statusCode(201)
        .extract().path("id");
  }

  /** The job once it has ended (polls for up to 60 s). */
  static JsonPath awaitFinished(String id) throws InterruptedException {
    for (int i = 0; i < 1200; i++) {
      JsonPath job = given().get("/api/v1/batch-jobs/" + id).then().statusCode(200).extract().jsonPath();
      if (!job.getString("state").matches("QUEUED|RUNNING")) {
        return job;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("batch job " + id + " did not finish");
  }
}
