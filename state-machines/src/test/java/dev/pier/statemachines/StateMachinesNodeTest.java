package dev.pier.statemachines;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks against npm's tools (installed from the committed src/test/node/package-lock.json into target/node): every
 * definition is valid ASL for {@code asl-validator}, and on the definitions {@code aws-local-stepfunctions} supports
 * (states, data flow, intrinsics, retries, catches, inline Map, Parallel) Pier's runner ends the same way with the
 * same output.
 */
class StateMachinesNodeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path NODE_SOURCES = Path.of("src/test/node");
  private static final Path NODE = Path.of("target/node").toAbsolutePath();
  private static final Path CROSSCHECK = Path.of("src/test/resources/crosscheck");

  @BeforeAll
  static void installNpmPackages() throws Exception {
    Files.createDirectories(NODE);
    for (String f : List.of("package.json", "package-lock.json", "crosscheck.mjs")) {
      Files.copy(NODE_SOURCES.resolve(f), NODE.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    if (!Files.isDirectory(NODE.resolve("node_modules/aws-local-stepfunctions"))
        || !Files.isDirectory(NODE.resolve("node_modules/asl-validator"))) {
      run(NODE, List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"), 180);
    }
  }

  static Stream<String> crossChecked() throws IOException {
    try (Stream<Path> files = Files.list(CROSSCHECK)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".asl.json"))
          .map(n -> n.substring(0, n.length() - ".asl.json".length())).sorted().toList().stream();
    }
  }

  @Test
  void everyDefinitionIsValidAslForAslValidator() throws Exception {
    List<String> args = new ArrayList<>(List.of(NODE.resolve("node_modules/.bin/asl-validator").toString()));
    List<Path> files = new ArrayList<>();
    try (Stream<Path> main = Files.walk(Path.of("src/main/resources"));
        Stream<Path> checks = Files.list(CROSSCHECK)) {
      Stream.concat(main, checks).filter(p -> p.toString().endsWith(".asl.json")).forEach(files::add);
    }
    assertThat(files).anyMatch(p -> p.getFileName().toString().equals("batch-scoring.asl.json"));
    for (Path f : files) {
      args.add("--json-path");
      args.add(f.toAbsolutePath().toString());
    }
    String out = run(Path.of("."), args, 60);
    assertThat(out).doesNotContain("is invalid");
  }

  @ParameterizedTest
  @MethodSource("crossChecked")
  void localRunnerEndsLikeAwsLocalStepFunctions(String name) throws Exception {
    Path definition = CROSSCHECK.resolve(name + ".asl.json").toAbsolutePath();
    Path input = CROSSCHECK.resolve(name + ".input.json").toAbsolutePath();
    JsonNode expected = JSON.readTree(run(NODE, List.of("node", "crosscheck.mjs", definition.toString(),
        input.toString()), 60));

    var result = TestTasks.runner().build().run(
        AslDefinition.parse(name, Files.readString(definition), Map.of()), JSON.readTree(input.toFile()), name);
    ObjectNode actual = JsonNodeFactory.instance.objectNode().put("status", result.status().name());
    if (result.output() != null) {
      actual.set("output", result.output());
    } else {
      actual.put("error", result.error()).put("cause", result.cause());
    }
    assertThat(JSON.readTree(actual.toString())).as(name).isEqualTo(expected); // same numbers, whatever node type
  }

  private static String run(Path dir, List<String> command, int timeoutSeconds) throws Exception {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(command + " failed:\n" + new String(out, StandardCharsets.UTF_8));
    }
    return new String(out, StandardCharsets.UTF_8);
  }
}
