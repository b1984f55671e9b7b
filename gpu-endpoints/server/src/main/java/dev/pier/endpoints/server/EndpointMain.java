package dev.pier.endpoints.server;

import dev.pier.kernel.PierException;
import dev.pier.runtime.EngineSettings;
import dev.pier.runtime.InferenceEngine;
import dev.pier.runtime.LoadedModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * The container's entry point (SageMaker runs it as {@code serve}) and {@code ./pier endpoint serve}'s: loads the
 * model with Pier's engine for its framework and serves it with {@link EndpointServer} until stopped.
 *
 * <pre>
 * serve [--artifact FILE|DIR] [--metadata JSON|@FILE] [--port N] [--host H] [--model-name M] [--model-version V]
 *       [--device cpu|cuda] [--threads N] [--grpc-port N|off]
 * </pre>
 *
 * Defaults follow SageMaker: the artifact is {@code /opt/ml/model} (the one model file there, or {@code model.*}),
 * the metadata {@code metadata.json} beside it or {@code $PIER_METADATA}, the port {@code $SAGEMAKER_BIND_TO_PORT}
 * or 8080, the OIP gRPC port {@code $PIER_GRPC_PORT} or the HTTP port + 1 (8081; {@code off} for none), the device
 * {@code $PIER_DEVICE} or cpu (the image sets cuda).
 */
public final class EndpointMain {
  private EndpointMain() {}

  /** Parsed command line. */
  record Options(Path artifact, String metadata, String host, int port, String modelName, int modelVersion,
      String device, int threads, S3Model s3, Integer grpcPort) {}

  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = parse(args, System.getenv());
    } catch (IllegalArgumentException | PierException e) {
      System.err.println("pier endpoint: " + e.getMessage());
      System.exit(2);
      return;
    }
    long start = System.nanoTime();
    EndpointMetadata metadata;
    LoadedModel model;
    InferenceEngine engine;
    Path artifact;
    try {
      metadata = EndpointMetadata.parse(o.metadata());
      if (o.s3() != null) {
        long fetching = System.nanoTime();
        artifact = o.s3().fetch(o.artifact());
        System.out.printf("pier endpoint: s3://%s/%s (%d MiB, SHA-256 verified) on disk in %d ms%n", o.s3().bucket(),
            o.s3().key(), Files.size(artifact) >> 20, (System.nanoTime() - fetching) / 1_000_000);
      } else {
        artifact = artifactFile(o.artifact());
      }
      engine = engine(metadata, o);
      model = engine.load(artifact, metadata.signature());
    } catch (PierException e) {
      System.err.println("pier endpoint: " + e.getMessage());
      System.exit(1);
      return;
    }
    EndpointServer server = new EndpointServer(model, engine.platform(), metadata.signature(), metadata.batching(),
        o.modelName(), o.modelVersion(), o.host(), o.port());
    EndpointGrpcServer grpc = null;
    if (o.grpcPort() != null) {
      try {
        grpc = new EndpointGrpcServer(server, o.host(), o.grpcPort());
      } catch (IOException e) {
        System.err.println("pier endpoint: cannot serve gRPC on " + o.host() + ":" + o.grpcPort() + " (" + e
            + "); pass --grpc-port N or --grpc-port off");
        server.close();
        System.exit(1);
        return;
      }
    }
    System.out.printf("pier endpoint: serving %s v%d (%s, %s on %s) on %s:%d%s, loaded in %d ms; batching %s%n",
        o.modelName(), o.modelVersion(), artifact.getFileName(), engine.platform(), o.device(), o.host(),
        server.port(), grpc == null ? "" : " (OIP gRPC on " + grpc.port() + ")", (System.nanoTime() - start) / 1_000_000,
        metadata.batching());
    CountDownLatch stop = new CountDownLatch(1);
    EndpointGrpcServer rpc = grpc;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (rpc != null) {
        rpc.close();
      }
      server.close();
      stop.countDown();
    }));
    stop.await();
  }

  static Options parse(String[] args, Map<String, String> env) throws IOException {
    Map<String, String> a = new HashMap<>();
    int i = 0;
    if (args.length > 0 && args[0].equals("serve")) {
      i = 1; // SageMaker starts the container with the argument "serve"
    }
    for (; i < args.length; i++) {
      String k = args[i];
      if (!List.of("--artifact", "--metadata", "--port", "--host", "--model-name", "--model-version", "--device",
          "--threads", "--sha256", "--grpc-port").contains(k)) {
        throw new IllegalArgumentException("unknown option '" + k + "'; usage: serve [--artifact FILE|DIR|s3://BUCKET/KEY [--sha256 HEX]]"
            + " [--metadata JSON|@FILE] [--port N] [--host H] [--model-name M] [--model-version V]"
            + " [--device cpu|cuda] [--threads N] [--grpc-port N|off]");
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(k + " needs a value");
      }
      a.put(k, args[++i]);
    }
    String artifactArg = a.getOrDefault("--artifact", env.getOrDefault("PIER_ARTIFACT", "/opt/ml/model"));
    S3Model s3 = S3Model.parse(artifactArg, a.getOrDefault("--sha256", env.get("PIER_ARTIFACT_SHA256")));
    // an S3 model goes to /opt/ml/model (SageMaker's disk) where that exists, else a temporary directory
    Path artifact = s3 == null ? Path.of(artifactArg) : Files.isDirectory(Path.of("/opt/ml"))
        ? Path.of("/opt/ml/model") : Path.of(System.getProperty("java.io.tmpdir"), "pier-endpoint-model");
    String metadata = a.get("--metadata");
    if (metadata == null) {
      metadata = env.get("PIER_METADATA");
    }
    if (metadata == null && s3 != null) {
      throw new IllegalArgumentException("an s3:// artifact needs --metadata JSON|@FILE or PIER_METADATA");
    }
    if (metadata == null) {
      Path beside = Files.isDirectory(artifact) ? artifact.resolve("metadata.json")
          : artifact.resolveSibling("metadata.json");
      if (!Files.isRegularFile(beside)) {
        throw new IllegalArgumentException("no metadata: pass --metadata JSON|@FILE, set PIER_METADATA or put"
            + " metadata.json beside the model (" + beside + ")");
      }
      metadata = "@" + beside;
    }
    if (metadata.startsWith("@")) {
      metadata = Files.readString(Path.of(metadata.substring(1)), StandardCharsets.UTF_8);
    }
    String device = a.getOrDefault("--device", env.getOrDefault("PIER_DEVICE", "cpu"));
    if (!device.equals("cpu") && !device.equals("cuda")) {
      throw new IllegalArgumentException("--device must be cpu or cuda, got '" + device + "'");
    }
    int port = number(a.getOrDefault("--port", env.getOrDefault("SAGEMAKER_BIND_TO_PORT", "8080")), "--port", 0, 65535);
    String grpc = a.getOrDefault("--grpc-port", env.get("PIER_GRPC_PORT"));
    Integer grpcPort = "off".equals(grpc) ? null : grpc != null ? number(grpc, "--grpc-port", 0, 65535)
        : port == 0 ? 0 : port == 65535 ? null : port + 1;
    if (grpcPort != null && grpcPort != 0 && grpcPort == port) {
      throw new IllegalArgumentException("--grpc-port " + grpcPort + " is the HTTP port; give another or off");
    }
    return new Options(artifact, metadata, a.getOrDefault("--host", "0.0.0.0"), port,
        a.getOrDefault("--model-name", env.getOrDefault("PIER_MODEL_NAME", "model")),
        number(a.getOrDefault("--model-version", env.getOrDefault("PIER_MODEL_VERSION", "1")), "--model-version", 1,
            Integer.MAX_VALUE), device,
        number(a.getOrDefault("--threads", Integer.toString(Runtime.getRuntime().availableProcessors())),
            "--threads", 1, 1024), s3, grpcPort);
  }

  private static int number(String v, String option, int min, int max) {
    try {
      int n = Integer.parseInt(v);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException(option + " must be an integer from " + min + " to " + max + ", got '" + v + "'");
  }

  /** The model file: the artifact itself, or in a directory ({@code /opt/ml/model}) its one model file. */
  static Path artifactFile(Path artifact) throws IOException {
    if (Files.isRegularFile(artifact)) {
      return artifact;
    }
    if (!Files.isDirectory(artifact)) {
      throw PierException.badRequest("artifact " + artifact + " does not exist");
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(artifact)) {
      files = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().equals("metadata.json"))
          .sorted().toList();
    }
    List<Path> named = files.stream().filter(p -> p.getFileName().toString().startsWith("model.")).toList();
    if (named.size() == 1) {
      return named.get(0);
    }
    if (files.size() == 1) {
      return files.get(0);
    }
    throw PierException.badRequest("artifact directory " + artifact + " must hold one model file (or one named"
        + " model.*) besides metadata.json; it holds " + files.stream().map(p -> p.getFileName().toString()).toList());
  }

  /** Pier's engine for the metadata's framework, found as the runtime finds engines ({@link ServiceLoader}). */
  static InferenceEngine engine(EndpointMetadata metadata, Options o) {
    EngineSettings settings = new EngineSettings(o.threads(), 1, null, Map.of("device", o.device()));
    for (InferenceEngine.Provider p : ServiceLoader.load(InferenceEngine.Provider.class)) {
      if (p.framework() == metadata.framework()) {
        return p.create(settings);
      }
    }
    throw PierException.badRequest("this endpoint image has no engine for framework " + metadata.framework().id());
  }
}
