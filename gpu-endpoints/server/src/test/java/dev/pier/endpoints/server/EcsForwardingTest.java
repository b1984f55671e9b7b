package dev.pier.endpoints.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.endpoints.EcsEndpointClient;
import dev.pier.endpoints.EndpointClient;
import dev.pier.kernel.PierException;
import dev.pier.kernel.engine.Framework;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.Placement;
import dev.pier.runtime.EndpointRouter;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.Tensor;
import dev.pier.runtime.onnx.OnnxEngine;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The platform's router forwarding an ECS-placed version to the ECS service: real endpoint containers
 * ({@link EndpointServer} with ONNX Runtime and the iris fixture, as {@code EndpointMain} starts them in the image)
 * behind a {@link LoadBalancer} playing the service's ALB, called through {@link EndpointRouter} and
 * {@link EcsEndpointClient} as the platform's routes call them.
 */
class EcsForwardingTest {
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  private EndpointServer container(String model, int version) throws Exception {
    EndpointServer s = new EndpointServer(new OnnxEngine(1).load(EndpointServerTest.IRIS), "onnxruntime_onnx", null,
        BatchPolicy.none(), model, version, "127.0.0.1", 0);
    open.add(s);
    return s;
  }

  private LoadBalancer balancer() throws Exception {
    LoadBalancer lb = new LoadBalancer();
    open.add(lb);
    return lb;
  }

  private static EndpointRouter router(URI url, EcsEndpointClient.Settings settings, Clock clock) {
    return new EndpointRouter(new EndpointClient(null), v -> { },
        new EndpointRouter.Ecs(new EcsEndpointClient(settings, clock), "pier-dev-gpu", url));
  }

  private static EndpointRouter router(URI url) {
    return router(url, EcsEndpointClient.Settings.DEFAULT, Clock.systemUTC());
  }

  static ModelVersion onEcs(String model, int version, String service) {
    return new ModelVersion(model, version, ModelVersion.Artifact.stored(Framework.ONNX, null, "0".repeat(64), 1,
        "artifacts/x"), null, new ModelVersion.Serving(null, new Placement(Placement.Kind.ECS, service, null, 1, null)),
        null, null, 1, Instant.EPOCH, null);
  }

  private static InferenceRequest flowers(String id) {
    return new InferenceRequest(id, List.of(new Tensor("input", Datatype.FP32, new long[] {2, 4},
        new float[] {5.1f, 3.5f, 1.4f, 0.2f, 6.7f, 3.0f, 5.2f, 2.3f})), List.of());
  }

  @Test
  void anEcsPlacedVersionIsAnsweredByTheServiceNotInProcess() throws Exception {
    EndpointServer task = container("iris", 4);
    LoadBalancer lb = balancer();
    lb.register(task.port());
    EndpointRouter router = router(lb.url());
    ModelVersion v = onEcs("iris", 4, null);
    assertThat(router.forwards(v)).isTrue();
    assertThat(router.platform(v)).isEqualTo("ecs_service:pier-dev-gpu");

    InferenceResponse r = router.infer(v, flowers("r1"));

    assertThat(r.id()).isEqualTo("r1");
    assertThat(r.modelVersion()).isEqualTo(4);
    assertThat((long[]) r.outputs().get(1).data()).containsExactly(0, 2); // the fixture's reference labels
    StringBuilder metrics = new StringBuilder();
    task.metrics().write(metrics);
    assertThat(metrics.toString()).containsPattern("pier_endpoint_batch_size_count\\{[^}]*\\} 1\n"); // ran there
    // without an ECS route (local mode) the version is served where the request is
    assertThat(new EndpointRouter(new EndpointClient(null), x -> { }).forwards(v)).isFalse();
  }

  @Test
  void theContainersRefusalsKeepTheirStatusAndTheServiceStatesAreMappedTo5xx() throws Exception {
    EndpointServer task = container("iris", 1);
    LoadBalancer lb = balancer();
    lb.register(task.port());
    EndpointRouter router = router(lb.url());
    InferenceRequest wrongShape = new InferenceRequest("bad", List.of(new Tensor("input", Datatype.FP32,
        new long[] {1, 3}, new float[] {1, 2, 3})), List.of());

    assertThatThrownBy(() -> router.infer(onEcs("iris", 1, null), wrongShape))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining("input").hasMessageNotContaining("{\"error\"");
    // the service runs another model than the registry placed there
    assertThatThrownBy(() -> router.infer(onEcs("wine", 2, null), flowers("w")))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(503))
        .hasMessageContaining("does not serve model 'wine'");
    // a service named in the placement whose URL this server does not know
    assertThatThrownBy(() -> router.infer(onEcs("iris", 1, "pier-dev-other"), flowers("o")))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(503))
        .hasMessageContaining("pier.endpoints.ecs.url");
    // no healthy target: the load balancer's own 503
    lb.deregister(task.port());
    assertThatThrownBy(() -> router.infer(onEcs("iris", 1, null), flowers("n")))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(503))
        .hasMessageContaining("not available (HTTP 503)");
  }

  @Test
  void aRequestThatOutlastsTheTimeoutIsA504AndAFailingModelA502() throws Exception {
    DoublingModel model = new DoublingModel();
    EndpointServer task = new EndpointServer(model, "pytorch_torchscript", null, BatchPolicy.none(), "double", 1,
        "127.0.0.1", 0);
    open.add(task);
    EndpointRouter router = router(URI.create("http://127.0.0.1:" + task.port()),
        new EcsEndpointClient.Settings(Duration.ofSeconds(2), Duration.ofMillis(300), 1, 5, Duration.ofSeconds(10)),
        Clock.systemUTC());
    ModelVersion v = onEcs("double", 1, null);
    InferenceRequest negative = new InferenceRequest("n", List.of(new Tensor("x", Datatype.FP32, new long[] {1, 2},
        new float[] {-1, 2})), List.of());
    assertThatThrownBy(() -> router.infer(v, negative)) // the model's own 400 passes through
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining("negative value -1.0");

    EndpointServer broken = new EndpointServer(new dev.pier.runtime.LoadedModel() {
      @Override
      public dev.pier.kernel.tensor.Signature signature() {
        return model.signature();
      }

      @Override
      public List<Tensor> infer(List<Tensor> inputs, List<String> outputs) {
        throw new IllegalStateException("CUDA error: an illegal memory access was encountered");
      }

      @Override
      public long sizeBytes() {
        return 1;
      }

      @Override
      public void close() {}
    }, "pytorch_torchscript", null, BatchPolicy.none(), "double", 1, "127.0.0.1", 0);
    open.add(broken);
    assertThatThrownBy(() -> router(URI.create("http://127.0.0.1:" + broken.port())).infer(v, negative))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(502))
        .hasMessageContaining("ECS service pier-dev-gpu failed").hasMessageContaining("illegal memory access");

    model.hold();
    try {
      assertThatThrownBy(() -> router.infer(v, new InferenceRequest("slow", List.of(new Tensor("x", Datatype.FP32,
          new long[] {1, 2}, new float[] {1, 2})), List.of())))
          .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(504))
          .hasMessageContaining("did not answer within 300 ms");
    } finally {
      model.release();
    }
  }

  @Test
  void onlyConnectionsThatCouldNotBeMadeAreRetriedAndRepeatedFailuresOpenTheCircuit() throws Exception {
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort(); // nothing listens there once closed
    }
    MutableClock clock = new MutableClock();
    EcsEndpointClient.Settings settings = new EcsEndpointClient.Settings(Duration.ofSeconds(1), Duration.ofSeconds(5),
        3, 2, Duration.ofSeconds(30));
    EcsEndpointClient client = new EcsEndpointClient(settings, clock);
    URI url = URI.create("http://127.0.0.1:" + dead);
    byte[] body = "{\"inputs\":[]}".getBytes();

    assertThatThrownBy(() -> client.invoke(url, "svc", "iris", body))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(503))
        .hasMessageContaining("after 3 attempt(s)");
    assertThat(client.open(url)).isFalse();
    assertThatThrownBy(() -> client.invoke(url, "svc", "iris", body)).hasMessageContaining("after 3 attempt(s)");
    assertThat(client.open(url)).isTrue(); // two failures in a row: open

    // open: refused at once, with when to come back, and no connection tried
    assertThatThrownBy(() -> client.invoke(url, "svc", "iris", body))
        .isInstanceOfSatisfying(PierException.class, e -> {
          assertThat(e.status()).isEqualTo(503);
          assertThat(e.retryAfterSeconds()).isEqualTo(30);
        })
        .hasMessageContaining("circuit open");

    // after the open time one trial goes; it fails, so the circuit opens again
    clock.advance(Duration.ofSeconds(31));
    assertThatThrownBy(() -> client.invoke(url, "svc", "iris", body)).hasMessageContaining("after 3 attempt(s)");
    assertThatThrownBy(() -> client.invoke(url, "svc", "iris", body)).hasMessageContaining("circuit open");
  }

  @Test
  void aTrialThatSucceedsClosesTheCircuit() throws Exception {
    EndpointServer task = container("iris", 1);
    LoadBalancer lb = balancer();
    MutableClock clock = new MutableClock();
    EndpointRouter router = router(lb.url(), new EcsEndpointClient.Settings(Duration.ofSeconds(1),
        Duration.ofSeconds(5), 1, 2, Duration.ofSeconds(10)), clock);
    ModelVersion v = onEcs("iris", 1, null);
    for (int i = 0; i < 2; i++) { // no target registered yet: the load balancer's 503s
      assertThatThrownBy(() -> router.infer(v, flowers("x"))).hasMessageContaining("HTTP 503");
    }
    lb.register(task.port());
    assertThatThrownBy(() -> router.infer(v, flowers("x"))).hasMessageContaining("circuit open");
    clock.advance(Duration.ofSeconds(11));
    assertThat(router.infer(v, flowers("trial")).modelVersion()).isEqualTo(1);
    assertThat(router.infer(v, flowers("after")).modelVersion()).isEqualTo(1);
  }

  /**
   * A blue/green switch as ECS rolls it out with minimum healthy 100 %: the new task joins the load balancer once its
   * {@code /ping} answers, both serve for a while, the old one is deregistered and then stopped. Eight clients keep
   * calling all along; none of their requests fails, and once the old task is gone every answer is the new version's.
   */
  @Test
  void aBlueGreenSwitchOfTheServiceFailsNoRequest() throws Exception {
    EndpointServer blue = container("iris", 1);
    LoadBalancer lb = balancer();
    lb.register(blue.port());
    EndpointRouter router = router(lb.url());
    ModelVersion asked = onEcs("iris", 1, null); // the alias still names version 1 while the service moves
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong done = new AtomicLong();
    Map<Integer, AtomicInteger> byVersion = new ConcurrentHashMap<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    List<Integer> afterSwitch = new CopyOnWriteArrayList<>();
    AtomicBoolean switched = new AtomicBoolean();
    ExecutorService clients = Executors.newFixedThreadPool(8);
    List<Future<?>> running = new ArrayList<>();
    for (int c = 0; c < 8; c++) {
      int client = c;
      running.add(clients.submit(() -> {
        for (int i = 0; !stop.get(); i++) {
          boolean blueGone = switched.get();
          try {
            InferenceResponse r = router.infer(asked, flowers(client + "-" + i));
            assertThat((long[]) r.outputs().get(1).data()).containsExactly(0, 2);
            byVersion.computeIfAbsent(r.modelVersion(), k -> new AtomicInteger()).incrementAndGet();
            if (blueGone) {
              afterSwitch.add(r.modelVersion());
            }
          } catch (Throwable t) {
            failures.add(t);
          }
          done.incrementAndGet();
        }
      }));
    }
    try {
      awaitRequests(done, 40);
      EndpointServer green = container("iris", 2);
      assertThat(ping(green)).isEqualTo(200); // the target group's health check, before it gets traffic
      lb.register(green.port());
      awaitRequests(done, done.get() + 80);
      lb.deregister(blue.port()); // draining: no new requests; those in flight finish
      lb.awaitDrained(blue.port());
      switched.set(true);
      blue.close(); // the old task stops once drained (ECS: after the target group's deregistration delay)
      open.remove(blue);
      awaitRequests(done, done.get() + 80);
    } finally {
      stop.set(true);
      for (Future<?> f : running) {
        f.get();
      }
      clients.shutdown();
    }
    assertThat(failures).isEmpty();
    assertThat(byVersion.keySet()).containsExactlyInAnyOrder(1, 2); // both colours answered during the shift
    assertThat(afterSwitch).isNotEmpty().containsOnly(2);
  }

  private static int ping(EndpointServer s) throws Exception {
    return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + s.port() + "/ping")).build(),
        java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** Waits until {@code n} requests were answered (or failed), however long the shared machine takes. */
  private static void awaitRequests(AtomicLong done, long n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (done.get() < n) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("only " + done.get() + " of " + n + " requests answered in 2 minutes");
      }
      Thread.sleep(5);
    }
  }

  /** A clock the test moves. */
  static final class MutableClock extends Clock {
    private volatile Instant now = Instant.parse("2026-12-07T12:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
