package dev.pier.runtime.prediction;

import dev.pier.security.privacy.MarkedValues;
import dev.pier.registry.ModelVersion;
import dev.pier.runtime.Budget;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.ModelCache;
import dev.pier.runtime.Tensor;
import dev.pier.runtime.explain.Explainer;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Slot#EXPLAIN}: adds explanation outputs ({@code parameters.explain}: {@code shap} or {@code lime}) to the
 * answer, computed on the loaded model in this process. Explaining takes many model calls: never without a budget to
 * block.
 */
public final class ExplainStage implements Stage {
  private final ModelCache models;

  public ExplainStage(ModelCache models) {
    this.models = models;
  }

  @Override
  public boolean apply(PredictionCall call) {
    InferenceRequest request = call.request();
    if (request.explain() == null) {
      return true;
    }
    if (!call.budget().mayBlock()) {
      return false;
    }
    ModelVersion version = call.version();
    List<Tensor> explanations = MarkedValues.during(call.markedValues(), () -> models.withModel(version, Budget.WAIT,
        loaded -> Explainer.explain(request.explain(), loaded, version.serving().explain(), request.inputs())));
    InferenceResponse answered = call.response();
    List<Tensor> outputs = new ArrayList<>(answered.outputs());
    outputs.addAll(explanations);
    call.response(new InferenceResponse(answered.modelName(), answered.modelVersion(), answered.id(), outputs));
    return true;
  }
}
