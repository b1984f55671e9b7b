package dev.pier.monitoring.capture;

import dev.pier.security.privacy.PiiFields;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One answered request as the capture stage offers it: references to the request's inputs and outputs as the serving
 * runtime holds them, plus what the rows need (model, version, request id, time, way in, PII fields, latency). The
 * request thread allocates this one object and nothing per row or per column; {@link #addRowsTo} lays the rows out on
 * the writer's thread ({@link TensorColumns} over the tensors, which must not change after the offer).
 *
 * @param <T> the runtime's tensor type; {@code layout} views one as a {@link TensorColumns.Tensor}
 * @param epochMillis when the request was answered
 * @param instances the named input rows ({@code /predict}: the pipeline's features), or null to use {@code inputs}
 * @param rowCount the request's rows: {@code instances.size()}, else the tensors' row dimension
 */
public record CapturedCall<T>(String model, long version, String requestId, long epochMillis, String wayIn,
    double latencyMs, PiiFields pii, List<? extends Map<String, ?>> instances, List<T> inputs, List<T> outputs,
    Function<? super T, TensorColumns.Tensor> layout, int rowCount) implements CapturedRows {

  @Override
  public void addRowsTo(List<CapturedPrediction> rows) {
    Instant time = Instant.ofEpochMilli(epochMillis);
    if (instances != null) {
      TensorColumns out = new TensorColumns(view(outputs));
      int n = Math.min(instances.size(), out.rows());
      for (int r = 0; r < n; r++) {
        rows.add(new CapturedPrediction(model, version, requestId, r, time, wayIn, instances.get(r), out.row(r), pii,
            latencyMs));
      }
      return;
    }
    rows.addAll(CapturedPrediction.ofTensors(model, version, requestId, time, wayIn, view(inputs), view(outputs), pii,
        latencyMs));
  }

  /**
   * Copies the request's tensors column by column into the batch (primitive arrays stay primitive): no row maps, no
   * boxing. Everything that can fail (a tensor the layout cannot view) fails before the batch changes.
   */
  @Override
  public void addTo(CaptureBatch batch) {
    List<TensorColumns.Tensor> out = view(outputs);
    List<TensorColumns.Tensor> in = instances != null ? List.of() : view(inputs);
    int n = instances != null ? instances.size() : Integer.MAX_VALUE;
    for (TensorColumns.Tensor t : in) {
      n = Math.min(n, TensorColumns.rows(t));
    }
    for (TensorColumns.Tensor t : out) {
      n = Math.min(n, TensorColumns.rows(t));
    }
    if (out.isEmpty() || (instances == null && in.isEmpty()) || n <= 0) {
      return; // as ofTensors: no rows
    }
    CaptureBatch.Hour hour = batch.hour(model, version, epochMillis, pii);
    CaptureBatch.Mark mark = batch.mark(hour);
    try {
      int start = hour.addRows(requestId, epochMillis, wayIn, latencyMs, 0, n);
      if (instances != null) {
        for (int r = 0; r < n; r++) {
          hour.inputs.addCells(instances.get(r), start + r);
        }
      } else {
        for (TensorColumns.Tensor t : in) {
          hour.inputs.addTensor(t, start, n);
        }
      }
      for (TensorColumns.Tensor t : out) {
        hour.outputs.addTensor(t, start, n);
      }
    } catch (RuntimeException e) {
      batch.rollBack(mark);
      throw e;
    }
  }

  private List<TensorColumns.Tensor> view(List<T> tensors) {
    List<TensorColumns.Tensor> out = new ArrayList<>(tensors.size());
    for (T t : tensors) {
      out.add(layout.apply(t));
    }
    return out;
  }
}
