package dev.pier.monitoring;

import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.monitoring.capture.CapturedPrediction;
import dev.pier.registry.ModelVersion;
import dev.pier.runtime.Budget;
import dev.pier.runtime.ModelCache;
import dev.pier.runtime.PredictionService;
import dev.pier.runtime.Tensor;
import dev.pier.runtime.explain.Explainer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link ShapImportance} on the models this process serves: the version's {@code shap_values} from the very code
 * {@code parameters.explain} runs ({@link Explainer}, on the loaded model), averaged as |value| over the rows and the
 * explained output's columns. Rows missing a column or holding a non-number are left out. Versions with a feature
 * pipeline are not explained (their captured columns are raw features, not the model's input).
 */
public final class ModelShap implements ShapImportance {
  private final PredictionService predictions;
  private final ModelCache models;

  public ModelShap(PredictionService predictions, ModelCache models) {
    this.predictions = predictions;
    this.models = models;
  }

  @Override
  public Map<String, Double> meanAbsShap(String model, int version, List<Map<String, Object>> rows) {
    ModelVersion v = predictions.resolve(model, Integer.toString(version));
    if (v.serving().pipeline() != null) {
      return Map.of();
    }
    Signature signature = predictions.signature(v);
    if (signature.inputs().size() != 1) {
      return Map.of();
    }
    TensorSpec input = signature.inputs().get(0);
    long[] shape = input.shape();
    if (input.datatype() != Datatype.FP32 || shape.length != 2 || shape[1] <= 0) {
      return Map.of();
    }
    int features = (int) shape[1];
    String[] columns = new String[features];
    for (int i = 0; i < features; i++) {
      columns[i] = CapturedPrediction.column(input.name(), i);
    }
    float[] data = new float[rows.size() * features];
    int n = 0;
    for (Map<String, Object> row : rows) {
      boolean complete = true;
      for (int i = 0; i < features && complete; i++) {
        if (row.get(columns[i]) instanceof Number value) {
          data[n * features + i] = value.floatValue();
        } else {
          complete = false;
        }
      }
      n += complete ? 1 : 0;
    }
    if (n == 0) {
      return Map.of();
    }
    Tensor batch = new Tensor(input.name(), Datatype.FP32, new long[] {n, features},
        java.util.Arrays.copyOf(data, n * features));
    List<Tensor> explained = models.withModel(v, Budget.WAIT,
        loaded -> Explainer.explain("shap", loaded, v.serving().explain(), List.of(batch)));
    Tensor values = explained.stream().filter(t -> t.name().equals("shap_values")).findFirst().orElseThrow();
    float[] shap = (float[]) values.data();
    int outputColumns = (int) values.shape()[1];
    double[] sums = new double[features];
    for (int k = 0; k < shap.length; k++) {
      sums[k % features] += Math.abs(shap[k]);
    }
    Map<String, Double> out = new LinkedHashMap<>();
    for (int i = 0; i < features; i++) {
      out.put(columns[i], sums[i] / ((double) n * outputColumns));
    }
    return out;
  }
}
