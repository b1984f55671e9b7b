package dev.pier.api.inference;

import dev.pier.api.ApiErrors;
import dev.pier.api.AuthFilter;
import dev.pier.api.PierConfig;
import dev.pier.api.RequestIds;
import dev.pier.api.Security;
import dev.pier.api.async.AsyncIntake;
import dev.pier.kernel.PierException;
import dev.pier.kernel.security.Credentials;
import dev.pier.runtime.Budget;
import dev.pier.runtime.oip.OipJson;
import dev.pier.runtime.prediction.PredictionCall;
import dev.pier.runtime.prediction.PredictionPipeline;
import dev.pier.runtime.prediction.Slot;
import dev.pier.runtime.prediction.WayIn;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.Arrays;
import org.jboss.logging.MDC;

/**
 * The hot path of REST inference: {@code POST /v2/models/{m}/infer} and {@code …/versions/{v}/infer} as a Vert.x
 * route ahead of JAX-RS, for bodies with a Content-Length (JSON or the binary extension). Each request becomes a
 * {@link PredictionCall} (way in {@code rest}).
 *
 * <p>Small bodies (up to {@link OipAnswer#INLINE_BODY_BYTES}) are read, then run through the prediction pipeline
 * with a budget that may not block, on the HTTP I/O thread, together with the others read in the same I/O burst (see
 * {@link #burst}); a stage that would block — presented credentials to verify, a first load, micro-batching, an
 * endpoint, an explanation, a wait for capacity, writing an audit sample — declines, and the same call resumes at
 * that stage on a worker thread. Larger bodies (and every body when {@code pier.limits.inline-max-mean-micros} is 0)
 * are admitted from their headers — caller, then capacity — before a byte of the body is read, and run on a worker
 * ({@link #takeLarge}).
 *
 * <p>It answers exactly what {@link InferenceResource} answers — same pipeline, same errors
 * ({@link ApiErrors.Failure}), same {@code X-Request-Id} — minus JAX-RS's per-request filter chain, request scope
 * and entity reader/writer, which cost more than running a small model. What it does not take goes on to JAX-RS
 * untouched, decided from the headers before a byte of the body is read: {@code Prefer: respond-async}, no
 * Content-Length or one over {@code pier.limits.infer-body-bytes}, a Content-Type that is not JSON, and a malformed
 * binary-extension header.
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
  private static final CharSequence ATTRIBUTES_HEADER =
      HttpHeaders.createOptimized(InferenceResource.ATTRIBUTES_HEADER);
  private static final CharSequence PREFER = HttpHeaders.createOptimized(AsyncIntake.PREFER);
  private static final CharSequence EXPERIMENT = HttpHeaders.createOptimized(OipAnswer.EXPERIMENT_HEADER);
  private static final CharSequence AUTHORIZATION = HttpHeaders.createOptimized("Authorization");
  private static final CharSequence API_KEY = HttpHeaders.createOptimized(Credentials.API_KEY_HEADER);
  private static final CharSequence SUBJECT_HEADER = HttpHeaders.createOptimized("X-Pier-Subject"); // Caller's
  /** What a request presenting no credentials is checked with (one value, not one per request). */
  private static final Credentials NO_CREDENTIALS = new Credentials.None();

  private final PredictionPipeline pipeline;
  private final Security security;
  /** Largest body this route takes (larger ones go to JAX-RS for its 413): {@code pier.limits.infer-body-bytes}. */
  private final long maxBodyBytes;
  /** Largest body answered on the I/O thread. */
  private final int maxInlineBytes;
  /** How long a request may wait for its model's capacity, from its arrival: {@code pier.limits.queue-wait}. */
  private final long queueWaitNanos;
  /** How long an admitted large body may take to arrive: {@code pier.limits.body-read-timeout}. */
  private final long bodyReadMillis;
  /** What the I/O thread may run: no blocking, models whose recent calls averaged at most the inline bound. */
  private final Budget inline;

  public InferRoute(Predictions predictions, Security security, PierConfig config) {
    this.pipeline = predictions.pipeline();
    this.security = security;
    this.maxBodyBytes = config.limits().inferBodyBytes();
    this.maxInlineBytes = (int) Math.min(OipAnswer.INLINE_BODY_BYTES, maxBodyBytes);
    this.queueWaitNanos = config.limits().queueWait().toNanos();
    this.bodyReadMillis = Math.max(1, config.limits().bodyReadTimeout().toMillis());
    long inlineMaxNanos = config.limits().inlineMaxMeanMicros() * 1000;
    this.inline = inlineMaxNanos > 0 ? Budget.inline(inlineMaxNanos) : null;
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
    long bytes = contentLength(headers);
    int jsonLength = eligible(headers, bytes);
    if (jsonLength == NOT_OURS) {
      ctx.put(ARRIVAL, System.nanoTime());
      ctx.next();
      return;
    }
    String requestId = RequestIds.of(headers.get(REQUEST_ID));
    if (inline == null || bytes > maxInlineBytes) {
      takeLarge(ctx, model, version, jsonLength, requestId);
      return;
    }
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

  /** The request's Content-Length, or -1 when it has none (chunked) or one this route does not read. */
  private static long contentLength(MultiMap headers) {
    String length = headers.get(HttpHeaders.CONTENT_LENGTH);
    if (length == null || length.isEmpty() || length.length() > 12) {
      return -1;
    }
    try {
      return Long.parseLong(length);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * The binary extension's JSON length (-1: a JSON body), or {@link #NOT_OURS} for requests JAX-RS answers: async
   * ones, those without a Content-Length or over {@code pier.limits.infer-body-bytes} (its 413), a malformed binary
   * header (its 400) and content types other than JSON (its 415).
   */
  private int eligible(MultiMap headers, long bytes) {
    if (bytes < 0 || bytes > maxBodyBytes || AsyncIntake.requested(headers.get(PREFER))) {
      return NOT_OURS;
    }
    int jsonLength;
    try {
      jsonLength = InferenceResource.binaryHeaderLength(headers.get(BINARY_HEADER));
    } catch (RuntimeException e) {
      return NOT_OURS; // JAX-RS answers the 400 naming the header
    }
    if (jsonLength < 0 && !InferenceResource.isJson(headers.get(HttpHeaders.CONTENT_TYPE))) {
      return NOT_OURS;
    }
    return jsonLength;
  }

  /**
   * A request whose body is too large for the I/O thread (or every request, with the inline route off): admitted
   * from its headers alone — the caller, then a share of the model's capacity — before a byte of its body is read;
   * only then is the body read, and parsed and run on a worker. A saturated model thus refuses the request with 429
   * and {@code Retry-After} without reading, buffering or parsing its body, and without a worker thread: the wait
   * for a permit (at most {@code pier.limits.queue-wait} from arrival) is a few timers on the I/O thread, so under
   * overload the worker pool holds only calls that will run, and health checks behind them stay fast. The permit is
   * held while the body is read and parsed (parsing a large body costs more than running the model); a body not
   * whole within {@code pier.limits.body-read-timeout} gives it back with a 408 ({@link #timeOut}). Reading the
   * body before taking the permit would bound a slow upload as well, but a saturated model would then buffer every
   * refused body before its 429.
   */
  private void takeLarge(RoutingContext ctx, String model, String version, int jsonLength, String requestId) {
    HttpServerRequest http = ctx.request();
    MultiMap headers = http.headers();
    Credentials credentials = Credentials.from(headers::get);
    String source = credentials instanceof Credentials.None ? null : AuthFilter.source(http);
    PredictionCall call = new PredictionCall(WayIn.REST, model, version, null, requestId,
        AuthFilter.subject(headers::get), System.nanoTime(), FROM_HEADERS)
        .credentials(credentials, security.gatewayClaimsTrusted() ? AuthFilter.gatewayClaims(headers) : null, source)
        .unit(headers.get(UNIT_HEADER)).attributes(headers.get(ATTRIBUTES_HEADER))
        .body(null, jsonLength);
    admitLarge(new Exchange(ctx, call), ctx.vertx().getOrCreateContext(), 1);
  }

  /** What admits a large request from its headers: nothing that blocks. */
  private static final Budget FROM_HEADERS = Budget.inline(0);
  /** The first wait for a permit of a saturated model; each next one doubles, up to the queue wait. */
  private static final long FIRST_RETRY_MILLIS = 1;

  /** Admits {@code exchange}'s call (caller, then capacity) on the I/O thread {@code context}, then reads its body. */
  private void admitLarge(Exchange exchange, Context context, long retryMillis) {
    PredictionCall call = exchange.call();
    RoutingContext ctx = exchange.ctx();
    try {
      if (pipeline.runThrough(call, Slot.CAPACITY)) {
        readBody(exchange);
        return;
      }
      if (call.principal() == null) { // credentials to verify, which may block: on a worker, then back here
        Infrastructure.getDefaultWorkerPool().execute(() -> {
          try {
            pipeline.runThrough(call.budget(Budget.WAIT), Slot.ADMIT);
            call.budget(FROM_HEADERS);
            context.runOnContext(v -> admitLarge(exchange, context, retryMillis));
          } catch (RuntimeException e) {
            context.runOnContext(v -> refuseUnread(ctx, call.requestId(), e));
          }
        });
        return;
      }
      long leftNanos = queueWaitNanos - (System.nanoTime() - call.arrivalNanos());
      if (leftNanos <= 0) {
        // its queue wait is over: a budget that may wait takes a permit only if one is free now, else fails the
        // call with the 429 that names the limit (a wait of what is left, which is nothing)
        pipeline.runThrough(call.budget(Budget.WAIT), Slot.CAPACITY);
        call.budget(FROM_HEADERS);
        readBody(exchange);
        return;
      }
      long delay = Math.max(1, Math.min(retryMillis, leftNanos / 1_000_000));
      ctx.vertx().setTimer(delay, id -> admitLarge(exchange, context, retryMillis * 2));
    } catch (RuntimeException e) {
      refuseUnread(ctx, call.requestId(), e);
    }
  }

  /** Reads an admitted call's body and runs it on a worker; a body that never completes ends the call. */
  private void readBody(Exchange exchange) {
    HttpServerRequest http = exchange.ctx().request();
    if (exchange.ctx().response().closed()) { // gone while it waited for capacity: a body it never sends
      pipeline.fail(exchange.call(), PierException.badRequest("the client closed the connection before sending the"
          + " request body"));
      return;
    }
    if (http.headers().contains(HttpHeaders.EXPECT, HttpHeaders.CONTINUE, true)) {
      exchange.ctx().response().writeContinue(); // admitted: now the client may send the body (curl waits for this)
    }
    // the body must arrive within the body-read timeout: a slow or stalled upload gives its permit back and gets 408
    // (timer and body both complete on this I/O thread, so exactly one of them goes on)
    boolean[] over = new boolean[1];
    long timer = exchange.ctx().vertx().setTimer(bodyReadMillis, id -> {
      over[0] = true;
      timeOut(exchange);
    });
    http.resume();
    http.body().onComplete(read -> {
      if (over[0]) {
        return;
      }
      exchange.ctx().vertx().cancelTimer(timer);
      PredictionCall call = exchange.call();
      if (read.failed()) { // the client went away mid-body: nobody to answer, but the call ends (its permit back)
        pipeline.fail(call, PierException.badRequest("the request body was not received whole: "
            + read.cause().getMessage()));
        return;
      }
      call.body(read.result().getBytes(), call.jsonLength());
      onWorker(exchange);
    });
  }

  /**
   * An admitted body that did not arrive whole within {@code pier.limits.body-read-timeout}: the call ends with 408,
   * which gives the model's permit back, the client is answered 408 and the connection is closed (the rest of the
   * body is not waited for).
   */
  private void timeOut(Exchange exchange) {
    PredictionCall call = exchange.call();
    PierException e = new PierException(408, "the request body did not arrive whole within " + bodyReadMillis
        + " ms (pier.limits.body-read-timeout); the model's capacity is not held for a slow upload");
    pipeline.fail(call, e);
    RoutingContext ctx = exchange.ctx();
    if (ctx.response().closed() || ctx.response().ended()) {
      return;
    }
    ctx.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    fail(ctx, call.requestId(), e).onComplete(done -> ctx.request().connection().close());
  }

  /**
   * Answers a request refused before its body was read, then lets the rest of the body arrive and be dropped: the
   * client reads the answer, and the connection stays usable (closing a socket with unread data resets it, which may
   * lose the answer on the client's side). The body is bounded by {@code pier.limits.infer-body-bytes}.
   */
  private static void refuseUnread(RoutingContext ctx, String requestId, Throwable e) {
    fail(ctx, requestId, e);
    HttpServerRequest http = ctx.request();
    if (!http.isEnded()) {
      http.handler(ignored -> {});
      http.resume();
    }
  }

  /** Decodes the request into its call, admits it (caller, then capacity) and parses the body, on the I/O thread. */
  private void answer(RoutingContext ctx, String model, String version, int jsonLength, String requestId,
      Buffer buffer) {
    long start = System.nanoTime();
    HttpServerRequest http = ctx.request();
    MultiMap headers = http.headers();
    byte[] body = buffer.getBytes();
    Credentials credentials = headers.contains(AUTHORIZATION) || headers.contains(API_KEY)
        ? Credentials.from(headers::get) : NO_CREDENTIALS;
    // only presented credentials can fail, so only they need the client's address (not the anonymous hot path)
    String source = credentials instanceof Credentials.None ? null : AuthFilter.source(http);
    PredictionCall call = new PredictionCall(WayIn.REST, model, version, null, requestId, subject(headers), start,
        inline)
        .credentials(credentials, security.gatewayClaimsTrusted() ? AuthFilter.gatewayClaims(headers) : null, source)
        .unit(headers.get(UNIT_HEADER)).attributes(headers.get(ATTRIBUTES_HEADER))
        .body(body, jsonLength);
    MDC.put("requestId", requestId);
    try {
      // the caller is checked before anything reads their body; capacity is taken when the burst runs, so a permit is
      // held only while the model runs (a whole burst waiting to run never holds the model's capacity)
      if (!pipeline.runThrough(call, Slot.ADMIT)) {
        // credentials to verify: an API key is read from DynamoDB, a JWT issuer's keys fetched
        onWorker(new Exchange(ctx, call));
        return;
      }
      parse(call);
      if (Context.isOnEventLoopThread()) {
        Burst burst = this.burst.get();
        if (burst.size == 0) {
          ctx.vertx().runOnContext(burst);
        }
        burst.add(ctx, call);
      } else {
        Burst alone = new Burst();
        alone.add(ctx, call);
        alone.handle(null);
      }
    } catch (RuntimeException e) {
      fail(ctx, requestId, e);
    } finally {
      MDC.remove("requestId");
    }
  }

  /** The data subject: {@code X-Pier-Subject}, else the unit ({@code AuthFilter.subject}, without a function). */
  private static String subject(MultiMap headers) {
    String subject = headers.get(SUBJECT_HEADER);
    return subject != null ? subject : headers.get(UNIT_HEADER);
  }

  /** Sets the call's request from its body; a malformed body ends the call (counted) and is thrown. */
  private void parse(PredictionCall call) {
    try {
      call.request(OipJson.parseRequest(call.body(), call.jsonLength()));
    } catch (RuntimeException e) {
      throw pipeline.fail(call, e);
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
  private final ThreadLocal<Burst> burst = ThreadLocal.withInitial(Burst::new);

  /** A call and the HTTP exchange that answers it, off the hot path (workers, large bodies). */
  private record Exchange(RoutingContext ctx, PredictionCall call) {}

  /**
   * One I/O thread's burst: its calls and their exchanges in arrival order, in arrays kept from burst to burst, so
   * that taking part in a burst allocates nothing per request; the burst itself is the task that runs it.
   */
  private final class Burst implements Handler<Void> {
    private RoutingContext[] contexts = new RoutingContext[16];
    private PredictionCall[] calls = new PredictionCall[16];
    /** Per call once run: TRUE answered, FALSE declined, or the RuntimeException that failed it. */
    private Object[] outcomes = new Object[16];
    private int size;

    void add(RoutingContext ctx, PredictionCall call) {
      if (size == calls.length) {
        contexts = Arrays.copyOf(contexts, size * 2);
        calls = Arrays.copyOf(calls, size * 2);
        outcomes = Arrays.copyOf(outcomes, size * 2);
      }
      contexts[size] = ctx;
      calls[size++] = call;
    }

    /** Runs the burst's calls as far as they go without blocking, in arrival order; the declined resume on a worker. */
    @Override
    public void handle(Void ignored) {
      int n = size;
      for (int i = 0; i < n; i++) {
        PredictionCall call = calls[i];
        MDC.put("requestId", call.requestId());
        try {
          outcomes[i] = pipeline.run(call) ? Boolean.TRUE : Boolean.FALSE;
        } catch (RuntimeException e) {
          outcomes[i] = e;
        } finally {
          MDC.remove("requestId");
        }
      }
      for (int i = 0; i < n; i++) {
        RoutingContext ctx = contexts[i];
        PredictionCall call = calls[i];
        try {
          switch (outcomes[i]) {
            case Boolean answered when answered -> write(ctx, call.requestId(), OipAnswer.of(call));
            case Boolean declined -> onWorker(new Exchange(ctx, call));
            case RuntimeException e -> fail(ctx, call.requestId(), e);
            default -> throw new IllegalStateException(String.valueOf(outcomes[i]));
          }
        } catch (RuntimeException e) {
          // writing one answer failed (its connection is gone): the others are still owed theirs
          Log.debugf(e, "could not answer request %s", call.requestId());
        }
      }
      // calls added meanwhile (none are expected: answers are written, not read) move up and run as a burst of their own
      int more = size - n;
      System.arraycopy(contexts, n, contexts, 0, more);
      System.arraycopy(calls, n, calls, 0, more);
      Arrays.fill(contexts, more, size, null);
      Arrays.fill(calls, more, size, null);
      Arrays.fill(outcomes, 0, n, null);
      size = more;
      if (more > 0) {
        contexts[0].vertx().runOnContext(this);
      }
    }
  }

  /** Resumes a declined call where it stopped, on a worker thread that may block, and writes its answer. */
  private void onWorker(Exchange exchange) {
    exchange.call().budget(Budget.WAIT);
    Infrastructure.getDefaultWorkerPool().execute(() -> {
      PredictionCall call = exchange.call();
      MDC.put("requestId", call.requestId());
      try {
        if (call.request() == null) {
          pipeline.runThrough(call, Slot.ADMIT);
          parse(call);
        }
        pipeline.answer(call);
        write(exchange.ctx(), call.requestId(), OipAnswer.of(call));
      } catch (RuntimeException e) {
        fail(exchange.ctx(), call.requestId(), e);
      } finally {
        MDC.remove("requestId");
      }
    });
  }

  private static void write(RoutingContext ctx, String requestId, OipAnswer answer) {
    HttpServerResponse response = ctx.response().putHeader(REQUEST_ID, requestId);
    if (answer.binaryHeaderLength() >= 0) {
      response.putHeader(HttpHeaders.CONTENT_TYPE, OCTETS)
          .putHeader(BINARY_HEADER, Integer.toString(answer.binaryHeaderLength()));
    } else {
      response.putHeader(HttpHeaders.CONTENT_TYPE, JSON);
    }
    if (answer.experiment() != null) {
      response.putHeader(EXPERIMENT, answer.experiment());
    }
    response.end(Buffer.buffer(answer.body()));
  }

  private static io.vertx.core.Future<Void> fail(RoutingContext ctx, String requestId, Throwable e) {
    ApiErrors.Failure f = ApiErrors.Failure.of(ctx.normalizedPath(), e);
    HttpServerResponse response = ctx.response().setStatusCode(f.status())
        .putHeader(REQUEST_ID, requestId).putHeader(HttpHeaders.CONTENT_TYPE, JSON);
    if (f.header() != null) {
      response.putHeader(f.header(), f.headerValue());
    }
    return response.end(ApiErrors.oipError(f.message()));
  }
}
