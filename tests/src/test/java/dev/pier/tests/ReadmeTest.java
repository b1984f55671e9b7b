package dev.pier.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README runs as a test: against a fresh {@code ./pier up}, every {@code ```sh} block is executed in order,
 * unless the line before it is {@code <!-- illustrative: why -->} (deploys, benchmarks, other servers, tools this
 * machine lacks). A block fails when it exits non-zero, when the server answers one of its calls with a 5xx, or with
 * a 4xx the block does not announce ({@code # → 4…}); a {@code ```json} block right after it must equal what it
 * printed last, with ids, times and hashes masked. Blocks run in bash from a scratch directory where {@code ./pier}
 * is the launcher and {@code tests/} the repository's fixtures, with {@code http://127.0.0.1:8080} (and {@code :8081},
 * {@code .pier/}) rewritten to the test server's.
 */
class ReadmeTest {
  private static final Path ROOT = PierUp.ROOT;
  private static final Pattern MARKER = Pattern.compile("^<!-- illustrative: .+ -->$");
  /** Values that differ on every run: UUIDs, times, hashes, job and schedule ids. */
  private static final List<Pattern> VOLATILE = List.of(
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
      Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z"),
      Pattern.compile("\\b(bj|bs)-[0-9a-f]{16}\\b"),
      Pattern.compile("\\b[0-9a-f]{64}\\b"));

  /** One {@code ```sh} block: where it starts, its text, whether it is illustrative, the JSON it must print. */
  record Block(int line, String script, boolean illustrative, String expectedJson) {}

  static List<Block> blocks(List<String> readme) {
    List<Block> blocks = new ArrayList<>();
    for (int i = 0; i < readme.size(); i++) {
      if (!readme.get(i).equals("```sh")) {
        continue;
      }
      int start = i;
      StringBuilder script = new StringBuilder();
      for (i++; !readme.get(i).equals("```"); i++) {
        script.append(readme.get(i)).append('\n');
      }
      boolean illustrative = start > 0 && MARKER.matcher(readme.get(start - 1)).matches();
      String expected = null;
      int j = i + 1;
      while (j < readme.size() && readme.get(j).isBlank()) {
        j++;
      }
      if (j < readme.size() && readme.get(j).equals("```json")) {
        StringBuilder json = new StringBuilder();
        for (j++; !readme.get(j).equals("```"); j++) {
          json.append(readme.get(j)).append('\n');
        }
        expected = json.toString().strip();
      }
      blocks.add(new Block(start + 1, script.toString(), illustrative, expected));
    }
    return blocks;
  }

  static String masked(String text) {
    for (Pattern p : VOLATILE) {
      text = p.matcher(text).replaceAll("…");
    }
    return text;
  }

  @Test
  void everyShellBlockIsMarkedIllustrativeOrRunsAsShown(@TempDir Path data, @TempDir Path scratch) throws Exception {
    List<Block> blocks = blocks(Files.readAllLines(ROOT.resolve("README.md")));
    assertThat(blocks).as("the README has shell blocks").hasSizeGreaterThan(10);
    HttpClient http = HttpClient.newHttpClient();
    PierUp.Started server = PierUp.start(data, Map.of(), port -> http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/v2/health/ready")).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode());
    try {
      Files.writeString(scratch.resolve("pier"), "#!/usr/bin/env bash\nexec " + ROOT.resolve("pier") + " \"$@\"\n");
      scratch.resolve("pier").toFile().setExecutable(true);
      Files.createSymbolicLink(scratch.resolve("tests"), ROOT.resolve("tests"));
      Files.createSymbolicLink(scratch.resolve("sdk"), ROOT.resolve("sdk"));
      Files.createSymbolicLink(scratch.resolve(".pier"), data);
      String url = "http://127.0.0.1:" + server.port();
      // every curl goes through this: it records each answer's status for the checks below
      Path statuses = scratch.resolve("statuses");
      String prelude = """
          set -euo pipefail
          [[ -f env.sh ]] && . ./env.sh   # what earlier blocks exported, as in a reader's shell
          trap 'export -p > env.sh' EXIT
          export PIER_URL=%s
          curl() { command curl -w '%%{stderr}%%{http_code}\\n' "$@" 2>>"%s"; }
          """.formatted(url, statuses);
      List<String> ran = new ArrayList<>();
      for (Block block : blocks) {
        if (block.illustrative()) {
          continue;
        }
        String script = block.script().replace("http://127.0.0.1:8080", url)
            .replace("127.0.0.1:8081", "127.0.0.1:" + server.grpcPort());
        Files.writeString(statuses, "");
        Process p = new ProcessBuilder("bash", "-c", prelude + script).directory(scratch.toFile())
            .redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String where = "README.md:" + block.line() + "\n" + block.script() + "\nprinted:\n" + out + err;
        assertThat(p.exitValue()).as(where).isZero();
        for (String status : Files.readAllLines(statuses)) {
          if (!status.matches("\\d{3}")) {
            continue; // curl's own error text
          }
          int code = Integer.parseInt(status);
          assertThat(code).as("a 5xx answer in " + where).isLessThan(500);
          if (code >= 400) {
            assertThat(block.script()).as("an unannounced " + code + " in " + where).contains("# → 4");
          }
        }
        if (block.expectedJson() != null) {
          String[] lines = out.strip().split("\n");
          assertThat(masked(lines[lines.length - 1])).as(where).isEqualTo(masked(block.expectedJson()));
        }
        ran.add("README.md:" + block.line());
      }
      assertThat(ran).as("blocks run").hasSizeGreaterThan(5);
    } finally {
      server.process().destroy();
      server.process().waitFor(40, TimeUnit.SECONDS);
    }
  }
}
