package dev.pier.api.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.async.AsyncSqsBatch;
import dev.pier.batch.BatchTaskError;
import dev.pier.batch.BatchWorker;
import dev.pier.api.platform.ExperimentsWiring;
import dev.pier.experiments.analysis.AnalysisWorker;
import dev.pier.monitoring.capture.CaptureBuffer;
import dev.pier.monitoring.tasks.MonitoringTasks;
import io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler;
import io.quarkus.arc.Arc;
import io.quarkus.arc.ArcContainer;
import io.quarkus.arc.InstanceHandle;
import io.quarkus.runtime.Quarkus;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;

/**
 * The Lambda entry point of the api zip ({@code dev.pier.api.lambda.PierLambdaHandler::handleRequest}): one app, three
 * kinds of event. An SQS event from the async predictions queue's event source mapping runs the async worker
 * ({@link AsyncSqsBatch}, produced by {@code dev.pier.api.async.AsyncWiring}) and answers the partial batch response,
 * so only the messages to retry come back. A batch-scoring task (the {@code Payload} of the state machine's
 * {@code lambda:invoke} states, naming its {@code action}) runs the batch worker ({@link BatchWorker}, produced by
 * {@code dev.pier.api.batch.BatchWiring}) and answers the task's result; a task that fails throws a
 * {@link BatchTaskError}, which Lambda reports with its class name as {@code errorType}, the name the
 * state machine's Retry and Catch match. A monitor-runs task (a {@code Payload} naming its task in
 * {@code "monitoring"}) runs the monitors module's {@link MonitoringTasks}. An experiment-analysis task ({@code running},
 * {@code analyze}) runs the experiments worker ({@link AnalysisWorker}, produced by
 * {@code dev.pier.api.platform.ExperimentsWiring}) the same way. Every other event goes, unchanged, to Quarkus' API
 * Gateway handler.
 *
 * <p>Constructing it boots Quarkus exactly as {@link QuarkusStreamHandler} does (in Lambda's init phase, so a
 * SnapStart snapshot holds the booted app). It deliberately does not implement {@code RequestStreamHandler}: Quarkus'
 * Lambda extension refuses to build an app holding a handler class of its own next to the HTTP extension's
 * ("Multiple handler classes"), while Lambda's Java runtime calls a public
 * {@code handleRequest(InputStream, OutputStream, Context)} method just the same.
 *
 * <p>After every event, answered or failed, the capture buffer is flushed ({@link CaptureBuffer#flush}): Lambda freezes
 * the buffer's writer thread between invocations, so rows the CAPTURE stage queued would otherwise wait for the next
 * invocation, or be lost with the environment. With nothing queued that is a lock and an empty drain. The experiments'
 * exposures and per-arm model metrics are written then too, for the same reason ({@code ExperimentsWiring#flush}).
 *
 * <p>Lambda calls one instance with one event at a time.
 */
public final class PierLambdaHandler {
  /** The part of the HTTP path that Quarkus owns: {@link QuarkusStreamHandler#handleRequest}, or its core in tests. */
  @FunctionalInterface
  public interface HttpEvents {
    void handle(InputStream event, OutputStream response, Context context) throws IOException;
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Runnable start;
  private final HttpEvents http;
  private final Runnable afterEvent;
  private AsyncSqsBatch sqsBatch;
  private BatchWorker batchWorker;
  private MonitoringTasks monitoringTasks;
  private AnalysisWorker analysisWorker;

  /** What Lambda's runtime instantiates. */
  public PierLambdaHandler() {
    this(Quarkus::manualStart, new QuarkusStreamHandler()::handleRequest);
  }

  /**
   * @param start starts the app if it is not running yet (idempotent)
   * @param http answers API Gateway events
   */
  public PierLambdaHandler(Runnable start, HttpEvents http) {
    this(start, http, PierLambdaHandler::flushAfterEvent);
  }

  /** @param afterEvent runs after each event, whatever its outcome (the capture flush) */
  public PierLambdaHandler(Runnable start, HttpEvents http, Runnable afterEvent) {
    this.start = start;
    this.http = http;
    this.afterEvent = afterEvent;
  }

  public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
    try {
      handle(input, output, context);
    } finally {
      afterEvent.run();
    }
  }

  /**
   * What every event leaves queued, written before the invocation returns: the captured rows, then the experiments'
   * exposures and model metrics. One failing does not keep the other from being written.
   */
  static void flushAfterEvent() {
    try {
      flushCaptures();
    } finally {
      flushExperiments();
    }
  }

  /**
   * Writes the experiment exposures and model metrics the prediction pipeline queued during the event (a failed write
   * stays queued for the next event's flush); nothing before the app has started.
   */
  static void flushExperiments() {
    ArcContainer container = Arc.container();
    if (container == null || !container.isRunning()) {
      return;
    }
    InstanceHandle<ExperimentsWiring> wiring = container.instance(ExperimentsWiring.class);
    if (wiring.isAvailable()) {
      wiring.get().flush();
    }
  }

  /** Writes the rows the CAPTURE stage queued during the event; nothing before the app has started. */
  static void flushCaptures() {
    ArcContainer container = Arc.container();
    if (container == null || !container.isRunning()) {
      return;
    }
    InstanceHandle<CaptureBuffer> buffer = container.instance(CaptureBuffer.class);
    if (buffer.isAvailable()) {
      buffer.get().flush();
    }
  }

  private void handle(InputStream input, OutputStream output, Context context) throws IOException {
    byte[] event = input.readAllBytes();
    switch (EventShape.of(JSON, event)) {
      case RECORDS -> {
        Optional<List<AsyncSqsBatch.Message>> messages = SqsBatchEvent.read(JSON, event);
        if (messages.isEmpty()) {
          http.handle(new ByteArrayInputStream(event), output, context);
          return;
        }
        start.run();
        output.write(SqsBatchEvent.response(JSON, sqsBatch().handle(messages.get())));
      }
      case BATCH_TASK -> {
        start.run();
        output.write(JSON.writeValueAsBytes(batchWorker().handle(JSON.readTree(event))));
      }
      case MONITORING_TASK -> {
        start.run();
        output.write(JSON.writeValueAsBytes(monitoringTasks().handle(JSON.readTree(event))));
      }
      case EXPERIMENTS_TASK -> {
        start.run();
        output.write(JSON.writeValueAsBytes(analysisWorker().invoke(JSON.readTree(event))));
      }
      case OTHER -> http.handle(new ByteArrayInputStream(event), output, context);
    }
  }

  private AsyncSqsBatch sqsBatch() {
    if (sqsBatch == null) {
      sqsBatch = Arc.container().instance(AsyncSqsBatch.class).get();
    }
    return sqsBatch;
  }

  /** The monitors module's tasks; a zip built without it (on a JDK below 25) cannot run them, and says so. */
  private MonitoringTasks monitoringTasks() {
    if (monitoringTasks == null) {
      InstanceHandle<MonitoringTasks> tasks = Arc.container().instance(MonitoringTasks.class);
      if (!tasks.isAvailable()) {
        throw new IllegalStateException("this build has no monitors module (pier-monitoring, built on JDK 25): "
            + "it cannot run monitor-runs tasks");
      }
      monitoringTasks = tasks.get();
    }
    return monitoringTasks;
  }

  private AnalysisWorker analysisWorker() {
    if (analysisWorker == null) {
      analysisWorker = Arc.container().instance(AnalysisWorker.class).get();
    }
    return analysisWorker;
  }

  private BatchWorker batchWorker() {
    if (batchWorker == null) {
      batchWorker = Arc.container().instance(BatchWorker.class).get();
    }
    return batchWorker;
  }
}
