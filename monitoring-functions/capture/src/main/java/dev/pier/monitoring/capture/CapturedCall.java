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

  private List<TensorColumns.Tensor> view(List<T> tensors) {
    List<TensorColumns.Tensor> out = new ArrayList<>(tensors.size());
    for (T t : tensors) {
      out.add(layout.apply(t));
    }
    return out;
  }
}
