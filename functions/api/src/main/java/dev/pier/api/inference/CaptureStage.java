package dev.pier.api.inference;

import dev.pier.monitoring.capture.CaptureSampling;
import dev.pier.monitoring.capture.CaptureSink;
import dev.pier.monitoring.capture.CapturedPrediction;
import dev.pier.monitoring.capture.TensorColumns;
import dev.pier.registry.ServingProperties;
import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.Tensor;
import dev.pier.runtime.prediction.PredictionCall;
import dev.pier.runtime.prediction.Slot;
import dev.pier.runtime.prediction.Stage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

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
 * that is not drawn allocates nothing either.
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

  private void offer(PredictionCall call, InferenceResponse response, String id) {
    Instant now = Instant.now();
    double latencyMs = (System.nanoTime() - call.arrivalNanos()) / 1e6; // arrival to answer (CAPTURE follows it)
    String wayIn = call.wayIn() == null ? "system" : call.wayIn().label();
    List<Map<String, Object>> instances = call.instances();
    if (instances != null) {
      TensorColumns outputs = new TensorColumns(columns(response.outputs()));
      for (int r = 0; r < instances.size(); r++) {
        sink.offer(new CapturedPrediction(response.modelName(), response.modelVersion(), id, r, now, wayIn,
            instances.get(r), outputs.row(r), call.pii(), latencyMs));
      }
      return;
    }
    for (CapturedPrediction row : CapturedPrediction.ofTensors(response.modelName(), response.modelVersion(), id, now,
        wayIn, columns(call.request().inputs()), columns(response.outputs()), call.pii(), latencyMs)) {
      sink.offer(row);
    }
  }

  private static List<TensorColumns.Tensor> columns(List<Tensor> tensors) {
    List<TensorColumns.Tensor> out = new ArrayList<>(tensors.size());
    for (Tensor t : tensors) {
      out.add(new TensorColumns.Tensor(t.name(), t.shape(), t.data()));
    }
    return out;
  }

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
