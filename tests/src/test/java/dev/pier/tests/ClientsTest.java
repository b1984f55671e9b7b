package dev.pier.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The platform's clients against {@code ./pier up}: the Python package in {@code sdk/python} (its own unittest suite,
 * run with Debian's python3, standard library only) and the launcher's {@code models} and {@code jobs} verbs.
 */
class ClientsTest {
  private static final Path ROOT = PierUp.ROOT;
  private static final String ROW =
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}]}";
  @TempDir static Path data;
  private static PierUp.Started server;

  @BeforeAll
  static void up() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    server = PierUp.start(data, Map.of(), port -> http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/v2/health/ready")).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode());
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
    assertThat(tests.out()).contains("Ran 14 tests").contains("OK");
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
}
