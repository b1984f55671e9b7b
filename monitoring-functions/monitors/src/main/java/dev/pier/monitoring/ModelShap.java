package dev.pier.monitoring;

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
    InputBatch batch = InputBatch.of(predictions.signature(v), rows);
    if (batch == null) {
      return Map.of();
    }
    int n = batch.size();
    int features = batch.columns().length;
    String[] columns = batch.columns();
    List<Tensor> explained = models.withModel(v, Budget.WAIT,
        loaded -> Explainer.explain("shap", loaded, v.serving().explain(), List.of(batch.tensor())));
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
