package dev.pier.api.inference;

import com.sun.management.ThreadMXBean;
import dev.pier.experiments.assignment.ExperimentAssigner;
import dev.pier.experiments.assignment.ExposureBuffer;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.kernel.engine.Framework;
import dev.pier.kernel.security.Credentials;
import dev.pier.local.LocalAws;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelResolver;
import dev.pier.registry.NewVersion;
import dev.pier.registry.RegistryTable;
import dev.pier.runtime.Budget;
import dev.pier.runtime.ConcurrencyLimits;
import dev.pier.runtime.EngineSettings;
import dev.pier.runtime.InferenceEngine;
import dev.pier.runtime.ModelCache;
import dev.pier.runtime.PredictionService;
import dev.pier.runtime.oip.OipJson;
import dev.pier.runtime.prediction.AuditSampleStage;
import dev.pier.runtime.prediction.AuthorizeStage;
import dev.pier.runtime.prediction.PredictionCall;
import dev.pier.runtime.prediction.PredictionPipeline;
import dev.pier.runtime.prediction.Slot;
import dev.pier.runtime.prediction.WayIn;
import dev.pier.security.FailedAuthentications;
import dev.pier.security.Gatekeeper;
import dev.pier.security.RateLimiter;
import dev.pier.security.audit.PredictionSampler;
import dev.pier.security.privacy.SubjectHash;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Not a test: a fixed-count harness for the REST hot path's cost per request, in thread CPU time and allocated bytes
 * (robust on a shared, loaded machine, unlike wall-clock throughput). It runs what {@link InferRoute} runs for one
 * single-row request of an unconfigured model (no experiment, no feature service, no capture) once its body is read:
 * the call made, admitted, parsed, run through the server's whole pipeline (runtime stages, authorization, audit
 * draw, probes, metrics) and the answer written — once with the stage set of {@code 6c4ece9} ({@code base}), once
 * with the experiment, feature lookup and capture stages of {@link Predictions} added ({@code full}), alternated; and
 * the three stages alone on an answered call ({@code stages}).
 *
 * <p>Run it with {@link HotPathCostRun}, which says how.
 */
public final class HotPathCost {
  private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static final Budget INLINE = Budget.inline(Long.MAX_VALUE);
  private static final Credentials NONE = new Credentials.None();

  public static void main(String[] args) throws Exception {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Path dir = Files.createTempDirectory("pier-hotpath");
    try (LocalAws aws = LocalAws.start(dir.resolve("data"));
        AwsClients clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
            aws.accessKeyId(), aws.secretAccessKey()))) {
      System.err.println("stand-ins up");
      RegistryTable.createIfMissing(clients.dynamoDb(), "registry");
      ArtifactStore artifacts = new ArtifactStore(clients.s3(), "artifacts");
      artifacts.createBucketIfMissing();
      ModelRegistry registry = new ModelRegistry(clients.dynamoDb(), "registry", artifacts);
      List<InferenceEngine> engines = ServiceLoader.load(InferenceEngine.Provider.class).stream()
          .map(ServiceLoader.Provider::get).filter(p -> p.getClass().getName().contains("Onnx"))
          .map(p -> p.create(new EngineSettings(1, 1, dir, Map.of()))).toList();
      Path model = Path.of(System.getProperty("pier.fixtures", "tests/fixtures/models")).resolve("iris-forest.onnx");
      registry.register("m", new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of()), model, null);
      System.err.println("registered");
      try (ModelCache cache = new ModelCache(artifacts, dir.resolve("staging"), 1L << 30, Duration.ofHours(1),
          engines)) {
        ModelResolver resolver = new ModelResolver(registry, Duration.ofSeconds(5), Duration.ofSeconds(60));
        PredictionService predictions = new PredictionService(resolver, cache, null,
            new ConcurrencyLimits(64, Duration.ofMillis(100)));
        Gatekeeper open = new Gatekeeper(false, null, null, new RateLimiter(0, 0),
            new FailedAuthentications(10, Duration.ofMinutes(1)), List.of());
        PredictionSampler neverDrawn = new PredictionSampler(e -> { }, 0, false, new SubjectHash(new byte[32]));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        PredictionMetrics metrics = new PredictionMetrics(false, meters);
        ProbeDetector probes = new ProbeDetector(meters);
        ExperimentAssigner assigner = new ExperimentAssigner(List::of, new ExposureBuffer());
        assigner.refresh();
        ExperimentStage experiment = new ExperimentStage(assigner, resolver);
        FeatureLookupStage lookup = new FeatureLookupStage(null); // never reached: no feature service
        CaptureStage capture = new CaptureStage(dev.pier.monitoring.capture.CaptureSink.NONE);
        PredictionPipeline base = predictions.pipeline()
            .add(Slot.ADMIT, new AuthorizeStage(open))
            .add(Slot.AUDIT, new AuditSampleStage(neverDrawn))
            .add(Slot.PROBES, new ProbeStage(probes, metrics))
            .add(Slot.METRICS, new MetricsStage(metrics))
            .build();
        PredictionPipeline full = base.toBuilder()
            .add(Slot.RESOLVE, experiment)
            .addFirst(Slot.FEATURES, lookup)
            .add(Slot.CAPTURE, capture)
            .build();
        byte[] body = ("{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],"
            + "\"data\":[5.1,3.5,1.4,0.2]}]}").getBytes(StandardCharsets.UTF_8);
        System.err.println("pipelines built");
        for (int i = 0; i < 2000; i++) { // the first load declines the inline budget: load on one that waits
          full.answer(new PredictionCall(WayIn.REST, "m", "1", null, null, null, System.nanoTime(), Budget.WAIT)
              .request(OipJson.parseRequest(body, -1)));
        }
        PredictionCall answered = call(full, body);
        System.err.println("warm; measuring " + rounds + " rounds of " + calls + " calls");
        double[][] cpu = new double[3][rounds];
        double[][] bytes = new double[3][rounds];
        for (int warm = 0; warm < 3; warm++) {
          loop(base, body, calls / 2);
          loop(full, body, calls / 2);
          stages(answered, experiment, lookup, capture, calls);
        }
        for (int r = 0; r < rounds; r++) {
          for (int which = 0; which < 3; which++) {
            long cpu0 = THREADS.getCurrentThreadCpuTime();
            long bytes0 = THREADS.getCurrentThreadAllocatedBytes();
            switch (which) {
              case 0 -> loop(base, body, calls);
              case 1 -> loop(full, body, calls);
              default -> stages(answered, experiment, lookup, capture, calls);
            }
            cpu[which][r] = (THREADS.getCurrentThreadCpuTime() - cpu0) / (double) calls;
            bytes[which][r] = (THREADS.getCurrentThreadAllocatedBytes() - bytes0) / (double) calls;
          }
        }
        String[] names = {"base (6c4ece9's stages)", "full (+experiment, features, capture)",
            "the three stages alone"};
        for (int which = 0; which < 3; which++) {
          System.out.printf("%-40s cpu ns/call %s  bytes/call %s%n", names[which], summary(cpu[which]),
              summary(bytes[which]));
        }
        System.out.flush();
      }
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static PredictionCall call(PredictionPipeline pipeline, byte[] body) {
    PredictionCall call = new PredictionCall(WayIn.REST, "m", "1", null, "bench", null, System.nanoTime(), INLINE)
        .credentials(NONE, null, null)
        .body(body, -1);
    pipeline.runThrough(call, Slot.ADMIT);
    call.request(OipJson.parseRequest(call.body(), call.jsonLength()));
    if (!pipeline.run(call)) {
      throw new IllegalStateException("declined on the inline budget");
    }
    return call;
  }

  private static long sink;

  private static void loop(PredictionPipeline pipeline, byte[] body, int calls) {
    for (int i = 0; i < calls; i++) {
      sink += OipJson.writeResponse(call(pipeline, body).response()).length;
    }
  }

  private static void stages(PredictionCall call, ExperimentStage e, FeatureLookupStage f, CaptureStage c,
      int calls) {
    for (int i = 0; i < calls; i++) {
      if (e.apply(call) & f.apply(call) & c.apply(call)) {
        sink++;
      }
    }
  }

  private static String summary(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return String.format("min %.1f median %.1f max %.1f", v[0], v[v.length / 2], v[v.length - 1]);
  }
}
