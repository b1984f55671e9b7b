package dev.pier.api;

import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Credentials;
import dev.pier.security.Gatekeeper;
import dev.pier.kernel.security.Permission;
import dev.pier.kernel.security.Principal;
import dev.pier.runtime.InferenceRequest;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jboss.logging.MDC;

/**
 * The hot path of REST inference: {@code POST /v2/models/{m}/infer} and {@code …/versions/{v}/infer} as a Vert.x
 * route ahead of JAX-RS, for small bodies (Content-Length up to {@link OipInference#INLINE_BODY_BYTES}, JSON or the
 * binary extension). A request for a loaded, fast, in-process version is answered on the HTTP I/O thread with no
 * hand-off, together with the others read in the same I/O burst (see {@link #BURST}); anything that could block — a
 * first load, micro-batching, an endpoint, an explanation, a wait for capacity, verifying an API key or JWT —
 * continues on a worker thread.
 *
 * <p>It answers exactly what {@link InferenceResource} answers — same code ({@link OipInference}), same policy check
 * ({@link Gatekeeper}), same errors ({@link ApiErrors.Failure}), same {@code X-Request-Id} — minus JAX-RS's
 * per-request filter chain, request scope and entity reader/writer, which cost more than running a small model.
 * What it does not take goes on to JAX-RS untouched, decided from the headers before a byte of the body is read:
 * {@code Prefer: respond-async}, no or a larger Content-Length, a Content-Type that is not JSON, a malformed
 * binary-extension header, and everything when {@code pier.limits.inline-max-mean-micros} is 0.
 */
@Singleton
public class InferRoute {
  /** Ahead of the JAX-RS routes, which Quarkus registers with positive orders. */
  private static final int ORDER = -100;
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence OCTETS = HttpHeaders.createOptimized("application/octet-stream");
  private static final CharSequence REQUEST_ID = HttpHeaders.createOptimized(RequestIds.HEADER);
  private static final CharSequence BINARY_HEADER = HttpHeaders.createOptimized(InferenceResource.BINARY_HEADER);
  private static final CharSequence UNIT_HEADER = HttpHeaders.createOptimized(InferenceResource.UNIT_HEADER);
  private static final CharSequence PREFER = HttpHeaders.createOptimized(AsyncIntake.PREFER);

  private final OipInference inference;
  private final Security security;
  private final int maxBodyBytes;

  public InferRoute(OipInference inference, Security security, Platform platform) {
    this.inference = inference;
    this.security = security;
    this.maxBodyBytes = (int) Math.min(OipInference.INLINE_BODY_BYTES, platform.config().limits().inferBodyBytes());
  }

  void register(@Observes Router router) {
    router.post("/v2/models/:model/infer").order(ORDER)
        .handler(ctx -> take(ctx, ctx.pathParam("model"), null));
    router.post("/v2/models/:model/versions/:version/infer").order(ORDER)
        .handler(ctx -> take(ctx, ctx.pathParam("model"), ctx.pathParam("version")));
  }

  private void take(RoutingContext ctx, String model, String version) {
    HttpServerRequest http = ctx.request();
    MultiMap headers = http.headers();
    int jsonLength = inference.inlineEnabled() ? eligible(headers) : NOT_OURS;
    if (jsonLength == NOT_OURS) {
      ctx.put(ARRIVAL, System.nanoTime());
      ctx.next();
      return;
    }
    String requestId = RequestIds.of(headers.get(REQUEST_ID));
    http.resume(); // Quarkus holds request bodies back until a handler asks for them
    http.body().onSuccess(body -> answer(ctx, model, version, jsonLength, requestId, body));
  }

  private static final int NOT_OURS = -2;

  /**
   * The {@link System#nanoTime()} at which a request left to JAX-RS arrived: its queue wait for capacity counts from
   * here ({@link InferenceResource}), so time spent waiting for a worker thread under overload counts too.
   */
  static final String ARRIVAL = "pier.arrival";

  /** When the request of {@code ctx} arrived ({@link #ARRIVAL}), or now when this route did not see it. */
  static long arrival(RoutingContext ctx) {
    Long arrival = ctx == null ? null : ctx.get(ARRIVAL);
    return arrival != null ? arrival : System.nanoTime();
  }

  /** The binary extension's JSON length (-1: a JSON body), or {@link #NOT_OURS} for requests JAX-RS answers. */
  private int eligible(MultiMap headers) {
    if (AsyncIntake.requested(headers.get(PREFER))) {
      return NOT_OURS;
    }
    String length = headers.get(HttpHeaders.CONTENT_LENGTH);
    if (length == null || length.isEmpty() || length.length() > 9) {
      return NOT_OURS;
    }
    long bytes;
    int jsonLength;
    try {
      bytes = Long.parseLong(length);
      jsonLength = InferenceResource.binaryHeaderLength(headers.get(BINARY_HEADER));
    } catch (RuntimeException e) {
      return NOT_OURS; // JAX-RS answers the 400 naming the header
    }
    if (bytes < 0 || bytes > maxBodyBytes
        || (jsonLength < 0 && !InferenceResource.isJson(headers.get(HttpHeaders.CONTENT_TYPE)))) {
      return NOT_OURS;
    }
    return jsonLength;
  }

  private void answer(RoutingContext ctx, String model, String version, int jsonLength, String requestId,
      Buffer buffer) {
    long start = System.nanoTime();
    MultiMap headers = ctx.request().headers();
    byte[] body = buffer.getBytes();
    Credentials credentials = Credentials.from(headers::get);
    if (!(credentials instanceof Credentials.None)) {
      // verifying an API key reads DynamoDB, a JWT may need the issuer's keys: not on the I/O thread
      Infrastructure.getDefaultWorkerPool().execute(() -> respond(ctx, requestId,
          () -> call(ctx, model, version, jsonLength, requestId, body, credentials, start)
              .serve(inference, inference.drawAudit())));
      return;
    }
    MDC.put("requestId", requestId);
    try {
      Call call = call(ctx, model, version, jsonLength, requestId, body, credentials, start);
      if (inference.drawAudit()) {
        Infrastructure.getDefaultWorkerPool().execute(() -> respond(ctx, requestId, () -> call.serve(inference, true)));
      } else if (Context.isOnEventLoopThread()) {
        List<Call> burst = BURST.get();
        if (burst.isEmpty()) {
          ctx.vertx().runOnContext(v -> runBurst(burst));
        }
        burst.add(call);
      } else {
        runBurst(new ArrayList<>(List.of(call)));
      }
    } catch (RuntimeException e) {
      fail(ctx, requestId, e);
    } finally {
      MDC.remove("requestId");
    }
  }

  /**
   * The calls of this I/O thread's current burst: requests read since it last ran its task queue. Running them
   * together after the burst — every model call back to back, then every answer written — rather than each inside
   * its own request's handling keeps the engine's code and data in the CPU caches: on the 2-core bench machine a
   * single-row ONNX request costs about 25 µs of server CPU this way against 34 µs interleaved ({@code ./pier bench
   * http}). Each request still gets its own model call: nothing about its answer changes, only when it is computed
   * (microseconds later, within the same loop iteration).
   */
  private static final ThreadLocal<List<Call>> BURST = ThreadLocal.withInitial(ArrayList::new);

  /** A parsed request waiting for its burst to run. */
  private record Call(RoutingContext ctx, String model, String version, InferenceRequest request, byte[] body,
      int jsonLength, long start, Requester who, String requestId) {
    OipInference.Answer serveNow(OipInference inference) {
      return inference.serveNow(model, version, request, body, jsonLength, start, who);
    }

    OipInference.Answer serve(OipInference inference, boolean audited) {
      return inference.serve(model, version, request, body, jsonLength, start, who, audited, null);
    }
  }

  /** Answers a burst's calls that cannot block, in arrival order; the others go on to a worker thread. */
  private void runBurst(List<Call> burst) {
    Call[] calls = burst.toArray(Call[]::new);
    burst.clear();
    Object[] outcomes = new Object[calls.length]; // an Answer, a RuntimeException, or null: declined
    for (int i = 0; i < calls.length; i++) {
      MDC.put("requestId", calls[i].requestId());
      try {
        outcomes[i] = calls[i].serveNow(inference);
      } catch (RuntimeException e) {
        outcomes[i] = e;
      } finally {
        MDC.remove("requestId");
      }
    }
    for (int i = 0; i < calls.length; i++) {
      Call call = calls[i];
      try {
        switch (outcomes[i]) {
          case OipInference.Answer answer -> write(call.ctx(), call.requestId(), answer);
          case RuntimeException e -> fail(call.ctx(), call.requestId(), e);
          case null -> Infrastructure.getDefaultWorkerPool().execute(() ->
              respond(call.ctx(), call.requestId(), () -> call.serve(inference, false)));
          default -> throw new IllegalStateException(String.valueOf(outcomes[i]));
        }
      } catch (RuntimeException e) {
        // writing one answer failed (its connection is gone): the others are still owed theirs
        Log.debugf(e, "could not answer request %s", call.requestId());
      }
    }
  }

  /** Admits the caller ({@link #admit}) and parses the body: a request ready to serve. */
  private Call call(RoutingContext ctx, String model, String version, int jsonLength, String requestId, byte[] body,
      Credentials credentials, long start) {
    MultiMap headers = ctx.request().headers();
    Requester who = admit(ctx, credentials, model, requestId);
    InferenceRequest request = inference.parse(model, body, jsonLength, headers.get(UNIT_HEADER), start);
    return new Call(ctx, model, version, request, body, jsonLength, start, who, requestId);
  }

  /** {@link AuthFilter}'s check for {@code @Authorize(Permission.PREDICT)} on {@code model}. */
  private Requester admit(RoutingContext ctx, Credentials credentials, String model, String requestId) {
    MultiMap headers = ctx.request().headers();
    Map<String, Object> claims = security.gatewayClaimsTrusted() ? AuthFilter.gatewayClaims(headers) : null;
    // only presented credentials can fail, so only they need the client's address (not the anonymous hot path)
    String source = credentials instanceof Credentials.None ? null : AuthFilter.source(ctx.request().remoteAddress());
    Principal principal = security.gatekeeper().admit(credentials, claims, source, Permission.PREDICT, model);
    return new Requester(principal.id(), requestId, AuthFilter.subject(headers::get));
  }

  /** Runs {@code work} on this (worker) thread and writes its answer or failure. */
  private static void respond(RoutingContext ctx, String requestId, Supplier<OipInference.Answer> work) {
    MDC.put("requestId", requestId);
    try {
      write(ctx, requestId, work.get());
    } catch (RuntimeException e) {
      fail(ctx, requestId, e);
    } finally {
      MDC.remove("requestId");
    }
  }

  private static void write(RoutingContext ctx, String requestId, OipInference.Answer answer) {
    HttpServerResponse response = ctx.response().putHeader(REQUEST_ID, requestId);
    if (answer.binaryHeaderLength() >= 0) {
      response.putHeader(HttpHeaders.CONTENT_TYPE, OCTETS)
          .putHeader(BINARY_HEADER, Integer.toString(answer.binaryHeaderLength()));
    } else {
      response.putHeader(HttpHeaders.CONTENT_TYPE, JSON);
    }
    response.end(Buffer.buffer(answer.body()));
  }

  private static void fail(RoutingContext ctx, String requestId, Throwable e) {
    ApiErrors.Failure f = ApiErrors.Failure.of(ctx.normalizedPath(), e);
    HttpServerResponse response = ctx.response().setStatusCode(f.status())
        .putHeader(REQUEST_ID, requestId).putHeader(HttpHeaders.CONTENT_TYPE, JSON);
    if (f.header() != null) {
      response.putHeader(f.header(), f.headerValue());
    }
    response.end(ApiErrors.oipError(f.message()));
  }
}
