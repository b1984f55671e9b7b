package dev.pier.engine.xgboost;

import dev.pier.runtime.EngineMessage;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.Signature;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;
import dev.pier.runtime.explain.NativeAttributions;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * One booster. Predictions go through {@code inplace_predict}, which reads the request's float array directly (no
 * DMatrix is built per call) and is thread-safe on the CPU predictor, so one booster serves all requests.
 */
final class XGBoostModel implements LoadedModel, NativeAttributions {
  static final String MARGIN = "margin";
  /** Iteration range [0, 0): every tree. xgboost4j reads it but never writes it, so one array serves all calls. */
  static final int[] ALL_TREES = {0, 0};
  private final Booster booster;
  private final Signature signature;
  private final int features;
  private final long sizeBytes;
  private final String valueOutput;
  private final int valueColumns;
  private final int marginColumns;

  XGBoostModel(Booster booster, Signature signature, int features, long sizeBytes) {
    this.booster = booster;
    this.signature = signature;
    this.features = features;
    this.sizeBytes = sizeBytes;
    this.valueOutput = signature.outputs().get(0).name();
    this.valueColumns = columns(signature.outputs().get(0).shape());
    this.marginColumns = columns(signature.outputs().get(1).shape());
  }

  private static int columns(long[] shape) {
    return shape.length == 1 ? 1 : (int) shape[1];
  }

  @Override
  public Signature signature() {
    return signature;
  }

  @Override
  public long sizeBytes() {
    return sizeBytes;
  }

  @Override
  public List<Tensor> infer(List<Tensor> inputs, List<String> outputs) {
    Tensor input = inputs.get(0);
    int rows = Math.toIntExact(input.shape()[0]);
    float[] data = (float[]) input.data();
    List<Tensor> out = new ArrayList<>(outputs.isEmpty() ? 2 : outputs.size());
    try {
      if (outputs.isEmpty()) {
        out.add(predict(valueOutput, data, rows));
        out.add(predict(MARGIN, data, rows));
      } else {
        for (String name : outputs) {
          out.add(predict(name, data, rows));
        }
      }
    } catch (XGBoostError e) {
      throw PierException.badRequest("the model could not run on this input: " + EngineMessage.of(e));
    }
    return out;
  }

  private Tensor predict(String output, float[] data, int rows) throws XGBoostError {
    boolean margin = output.equals(MARGIN);
    int columns = margin ? marginColumns : valueColumns;
    long[] shape = columns == 1 ? new long[] {rows} : new long[] {rows, columns};
    if (rows == 0) {
      return new Tensor(output, Datatype.FP32, shape, new float[0]);
    }
    float[][] result = booster.inplace_predict(data, rows, features, Float.NaN, ALL_TREES,
        margin ? Booster.PredictionType.kMargin : Booster.PredictionType.kValue, null);
    float[] flat = new float[rows * columns];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(result[r], 0, flat, r * columns, columns);
    }
    return new Tensor(output, Datatype.FP32, shape, flat);
  }

  /**
   * Exact TreeSHAP through {@code predictContrib}: per row and class, one value per feature and the bias last,
   * summing to the margin.
   */
  @Override
  public Attributions shap(Tensor input) {
    int rows = Math.toIntExact(input.shape()[0]);
    DMatrix matrix = null;
    try {
      matrix = new DMatrix((float[]) input.data(), rows, features, Float.NaN);
      float[][] contrib = booster.predictContrib(matrix, 0);
      int columns = marginColumns;
      float[] values = new float[rows * columns * features];
      float[] base = new float[rows * columns];
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < columns; c++) {
          int offset = c * (features + 1);
          System.arraycopy(contrib[r], offset, values, (r * columns + c) * features, features);
          base[r * columns + c] = contrib[r][offset + features];
        }
      }
      return new Attributions(MARGIN, rows, columns, features, values, base);
    } catch (XGBoostError e) {
      throw PierException.badRequest("XGBoost could not explain this input: " + EngineMessage.of(e));
    } finally {
      if (matrix != null) {
        matrix.dispose();
      }
    }
  }

  @Override
  public void close() {
    booster.dispose();
  }

  @Override
  public String toString() {
    return "XGBoostModel" + signature.outputs();
  }
}
