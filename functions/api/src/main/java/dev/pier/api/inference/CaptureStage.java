package dev.pier.api.inference;

import dev.pier.monitoring.capture.CaptureSampling;
import dev.pier.monitoring.capture.CaptureSink;
import dev.pier.monitoring.capture.CapturedCall;
import dev.pier.monitoring.capture.TensorColumns;
import dev.pier.registry.ServingProperties;
import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.Tensor;
import dev.pier.runtime.prediction.PredictionCall;
import dev.pier.runtime.prediction.Slot;
import dev.pier.runtime.prediction.Stage;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * {@link Slot#CAPTURE}: an answered call of a version with capture on ({@code "capture": {"sample_rate": r}} at
 * registration or by PATCH) is offered to monitoring's {@link CaptureSink}, one row per instance, when the request id's
 * hash falls under the rate ({@link CaptureSampling}: a request is captured whole or not at all). Inputs are the
 * instance's named features for {@code /predict} (the pipeline's names, looked-up features included), else the input
 * tensors' columns ({@code input[i]}); outputs are the output tensors' columns. The sink never blocks: a full buffer
 * drops and counts; rows are written, PII-marked fields masked, off the request path. Runs after the model's
 * concurrency permit is released.
 *
 * <p>Cost with capture off: one lookup in the version's immutable property map, no allocation. With capture on, the
 * rate's {@link CaptureSampling} comes from a map keyed by the property's own text (no parse per call), and a request
 * that is not drawn allocates nothing either. A drawn request costs one {@link CapturedCall} (references to its
 * tensors, nothing per row or column) put into the buffer's lock-free ring; its rows are laid out, masked, encoded and
 * profiled on the capture writer's thread.
 */
final class CaptureStage implements Stage {
  private final CaptureSink sink;
  private final Map<String, CaptureSampling> samplings = new ConcurrentHashMap<>();
  private final LongAdder failed = new LongAdder();

  CaptureStage(CaptureSink sink) {
    this.sink = sink;
  }

  @Override
  public boolean apply(PredictionCall call) {
    InferenceResponse response = call.response();
    if (response == null) {
      return true;
    }
    String rate = call.version().metadata().properties().get(ServingProperties.CAPTURE_SAMPLE_RATE);
    if (rate == null) {
      return true;
    }
    CaptureSampling sampling = samplings.computeIfAbsent(rate, CaptureStage::sampling);
    String id = call.requestId() != null ? call.requestId() : response.id() != null ? response.id() : "";
    if (!sampling.captures(id)) {
      return true;
    }
    try {
      offer(call, response, id);
    } catch (RuntimeException e) {
      failed.increment(); // a tensor capture cannot lay out (a scalar output): never the prediction's failure
    }
    return true;
  }

  /**
   * One {@link CapturedCall} referring to the call's own tensors (or named instances) and nothing per row or column:
   * the rows are laid out on the capture writer's thread. A tensor without a row dimension (a scalar) cannot be
   * captured as rows: counted here, not offered.
   */
  private void offer(PredictionCall call, InferenceResponse response, String id) {
    List<Tensor> outputs = response.outputs();
    List<Map<String, Object>> instances = call.instances();
    List<Tensor> inputs = instances != null ? List.of() : call.request().inputs();
    int rows = instances != null ? instances.size() : Integer.MAX_VALUE;
    rows = Math.min(rows, rowCount(outputs));
    rows = Math.min(rows, rowCount(inputs));
    if (rows < 0) {
      failed.increment();
      return;
    }
    if (rows == 0 || rows == Integer.MAX_VALUE) {
      return; // no rows
    }
    long now = System.currentTimeMillis();
    double latencyMs = (System.nanoTime() - call.arrivalNanos()) / 1e6; // arrival to answer (CAPTURE follows it)
    String wayIn = call.wayIn() == null ? "system" : call.wayIn().label();
    sink.offer(new CapturedCall<>(response.modelName(), response.modelVersion(), id, now, wayIn, latencyMs, call.pii(),
        instances, inputs, outputs, LAYOUT, rows));
  }

  /** The least first dimension of the tensors (MAX_VALUE for none), or -1 when one has no dimension at all. */
  private static int rowCount(List<Tensor> tensors) {
    int rows = Integer.MAX_VALUE;
    for (int i = 0; i < tensors.size(); i++) {
      long[] shape = tensors.get(i).shape();
      if (shape.length == 0) {
        return -1;
      }
      rows = (int) Math.min(rows, shape[0]);
    }
    return rows;
  }

  /** A runtime tensor as capture's column view (on the writer's thread). */
  private static final Function<Tensor, TensorColumns.Tensor> LAYOUT =
      t -> new TensorColumns.Tensor(t.name(), t.shape(), t.data());

  private static CaptureSampling sampling(String rate) {
    try {
      return new CaptureSampling(Double.parseDouble(rate));
    } catch (IllegalArgumentException e) {
      return CaptureSampling.OFF; // registration checks the rate; an unreadable one captures nothing
    }
  }

  /** Calls whose rows could not be laid out as columns (counted, never failed). */
  long failed() {
    return failed.sum();
  }
}
