package dev.pier.monitoring;

import dev.pier.monitoring.capture.TensorColumns;
import dev.pier.registry.ModelVersion;
import dev.pier.runtime.Budget;
import dev.pier.runtime.ModelCache;
import dev.pier.runtime.PredictionService;
import dev.pier.runtime.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link ReferencePredictions} from the models this process serves: the reference rows run through the loaded model
 * (its engine, as {@code /v2/…/infer} runs it, in one batch), every output added by column. Versions with a feature
 * pipeline or on a SageMaker endpoint are left as they are (their reference columns are raw features, or the model is
 * not here).
 */
public final class ModelPredictions implements ReferencePredictions {
  private final PredictionService predictions;
  private final ModelCache models;

  public ModelPredictions(PredictionService predictions, ModelCache models) {
    this.predictions = predictions;
    this.models = models;
  }

  @Override
  public List<Map<String, Object>> withPredictions(String model, int version, List<Map<String, Object>> rows) {
    ModelVersion v = predictions.resolve(model, Integer.toString(version));
    if (v.serving().pipeline() != null || v.onEndpoint()) {
      return rows;
    }
    InputBatch batch = InputBatch.of(predictions.signature(v), rows);
    if (batch == null) {
      return rows;
    }
    List<Tensor> outputs = models.withModel(v, Budget.WAIT, loaded -> loaded.infer(List.of(batch.tensor()),
        List.of()));
    List<TensorColumns.Tensor> columns = new ArrayList<>();
    for (Tensor t : outputs) {
      columns.add(new TensorColumns.Tensor(t.name(), t.shape(), t.data()));
    }
    TensorColumns answered = new TensorColumns(columns);
    List<Map<String, Object>> out = new ArrayList<>(rows);
    for (int i = 0; i < batch.size() && i < answered.rows(); i++) {
      Map<String, Object> row = new LinkedHashMap<>(rows.get(batch.rows()[i]));
      answered.row(i).forEach(row::put);
      out.set(batch.rows()[i], row);
    }
    return out;
  }
}
