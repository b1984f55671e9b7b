package dev.pier.infra;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Template;

/**
 * Synthesized deployments shared by all tests: synthesis is the slow part (jsii runs the CDK in node), so each
 * configuration is synthesized once per test JVM and its templates are read many times.
 */
final class Deployments {
  static final Path TARGET = Path.of("target");
  /** The fixture ASL folder: one {@code batch-scoring.asl.json}. */
  static final Path STATE_MACHINES = Path.of("src/test/resources/state-machines");

  /** A synthesized app and its templates. */
  record Deployment(PierConfig config, PierStacks stacks, Map<Stack, Template> templates) {
    Template template(Stack stack) {
      return templates.computeIfAbsent(stack, Template::fromStack);
    }
  }

  private static final Map<String, Deployment> CACHE = new ConcurrentHashMap<>();

  private Deployments() {}

  /** The default: dev, SnapStart, async GPU endpoint, with the fixture state machine. */
  static Deployment dev() {
    return synth("dev", Map.of());
  }

  /**
   * prod with provisioned concurrency, java21, a real-time GPU endpoint on an EBS-backed instance type, an alarm
   * e-mail and no state machines.
   */
  static Deployment prod() {
    return synth("prod", Map.of(
        "stage", "prod",
        "concurrency", "provisioned",
        "provisionedMin", "2",
        "provisionedMax", "20",
        "gpuEndpointMode", "realtime",
        "gpuInstanceType", "ml.p3.2xlarge",
        "stateMachinesDir", TARGET.resolve("no-state-machines").toString(),
        "lambdaRuntime", "java21",
        "alarmEmail", "ops@example.com"));
  }

  static synchronized Deployment synth(String name, Map<String, String> context) {
    return CACHE.computeIfAbsent(name, n -> {
      Map<String, String> ctx = new HashMap<>();
      ctx.put("apiZip", placeholderZip().toString());
      ctx.put("batchWorkerZip", placeholderZip("batch-worker").toString());
      ctx.put("featureWorkerZip", placeholderZip().toString());
      ctx.put("trainingWorkerZip", placeholderZip().toString());
      ctx.put("stateMachinesDir", STATE_MACHINES.toString());
      ctx.putAll(context);
      App app = App.Builder.create()
          .outdir(TARGET.resolve("cdk.out-" + n).toString())
          .context(new HashMap<String, Object>(ctx))
          .build();
      PierConfig config = PierConfig.from(ctx::get, Map.of());
      PierStacks stacks = PierStacks.create(app, config);
      return new Deployment(config, stacks, new ConcurrentHashMap<>());
    });
  }

  /** Stands in for function.zip: the templates only need an asset, not the 87 MB api build. */
  static synchronized Path placeholderZip() {
    return placeholderZip("lambda");
  }

  /** A placeholder of its own for the zip built in {@code target/<build>/} (its asset differs from the others'). */
  static synchronized Path placeholderZip(String build) {
    Path zip = TARGET.resolve("test-" + build + "/function.zip").toAbsolutePath();
    if (Files.isRegularFile(zip)) {
      return zip;
    }
    try {
      Files.createDirectories(zip.getParent());
      try (OutputStream out = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(out)) {
        z.putNextEntry(new ZipEntry("README.txt"));
        z.write(("placeholder for functions/api/target/" + build + "/function.zip in tests\n").getBytes());
        z.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return zip;
  }
}
