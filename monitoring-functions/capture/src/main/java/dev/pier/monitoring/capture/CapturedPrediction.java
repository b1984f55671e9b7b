package dev.pier.monitoring.capture;

import dev.pier.security.privacy.PiiFields;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One captured row of one prediction: what went in and what came out, by column name, with where it came from.
 *
 * <p>Column names follow the monitoring contract: the pipeline's feature names when the version has a pipeline, else
 * {@code <input>[<i>]} for column i of a 2-D input and {@code <input>} for a 1-D one; outputs likewise
 * ({@link #column}). Values are numbers, strings, booleans or null. The maps are read later, off the request path:
 * the caller hands them over and must not change them afterwards.
 *
 * @param wayIn how the request came in ({@code oip-rest}, {@code grpc}, {@code predict}, {@code batch}, …)
 * @param pii the version's personal-data fields: masked when written, never stored
 * @param latencyMs the request's time from arrival to answer, in milliseconds (the same for each of its rows); NaN
 *     when not known
 */
public record CapturedPrediction(String model, long version, String requestId, int row, Instant time, String wayIn,
    Map<String, ?> inputs, Map<String, ?> outputs, PiiFields pii, double latencyMs) implements CapturedRows {

  /** A row whose request's latency is not known. */
  public CapturedPrediction(String model, long version, String requestId, int row, Instant time, String wayIn,
      Map<String, ?> inputs, Map<String, ?> outputs, PiiFields pii) {
    this(model, version, requestId, row, time, wayIn, inputs, outputs, pii, Double.NaN);
  }

  public CapturedPrediction {
    if (model == null || model.isEmpty() || model.contains("/")) {
      throw new IllegalArgumentException("capture needs a model name without '/', got " + model);
    }
    pii = pii == null ? PiiFields.NONE : pii;
  }

  /** One row. */
  @Override
  public int rowCount() {
    return 1;
  }

  @Override
  public void addRowsTo(List<CapturedPrediction> rows) {
    rows.add(this);
  }

  @Override
  public void addTo(CaptureBatch batch) {
    batch.add(this);
  }

  /**
   * The rows of one request as captured rows, over the request's tensors without copying them (see
   * {@link TensorColumns}): cheap enough for the request path, values are read on the writer's thread.
   */
  public static List<CapturedPrediction> ofTensors(String model, long version, String requestId, Instant time,
      String wayIn, List<TensorColumns.Tensor> inputs, List<TensorColumns.Tensor> outputs, PiiFields pii) {
    return ofTensors(model, version, requestId, time, wayIn, inputs, outputs, pii, Double.NaN);
  }

  /** As {@link #ofTensors(String, long, String, Instant, String, List, List, PiiFields)}, with the latency. */
  public static List<CapturedPrediction> ofTensors(String model, long version, String requestId, Instant time,
      String wayIn, List<TensorColumns.Tensor> inputs, List<TensorColumns.Tensor> outputs, PiiFields pii,
      double latencyMs) {
    TensorColumns in = new TensorColumns(inputs);
    TensorColumns out = new TensorColumns(outputs);
    int rows = Math.min(in.rows(), out.rows());
    List<CapturedPrediction> captured = new ArrayList<>(rows);
    for (int r = 0; r < rows; r++) {
      captured.add(new CapturedPrediction(model, version, requestId, r, time, wayIn, in.row(r), out.row(r), pii,
          latencyMs));
    }
    return captured;
  }

  /** A column's name: {@code tensor[i]} for column i of a 2-D tensor, {@code tensor} for a 1-D one (i &lt; 0). */
  public static String column(String tensor, int i) {
    return i < 0 ? tensor : tensor + "[" + i + "]";
  }
}
