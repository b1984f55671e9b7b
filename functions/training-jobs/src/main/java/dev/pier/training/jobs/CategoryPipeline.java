package dev.pier.training.jobs;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.training.TrainingTable;

/**
 * The feature pipeline a model trained with categorical features is registered with, so serving codes raw values
 * as training did: each feature in the model's input order, a numeric one as it is, a categorical one as the index
 * of its value in the training data's sorted categories ({@code ordinal}). A value training never saw, or none, is
 * a missing value ({@code "unknown": "missing"}, NaN), which each tree sends the way it learned for missing values.
 */
final class CategoryPipeline {
  /** The xgboost engine's one input. */
  static final String INPUT = "input";

  private CategoryPipeline() {}

  static ObjectNode of(TrainingTable table) {
    ObjectNode pipeline = JsonNodeFactory.instance.objectNode().put("input", INPUT);
    var features = pipeline.putArray("features");
    for (int f = 0; f < table.featureCount(); f++) {
      ObjectNode feature = features.addObject().put("name", table.features().get(f));
      var categories = table.categories(f);
      if (categories != null) {
        ObjectNode ordinal = feature.putObject("ordinal");
        categories.forEach(ordinal.putArray("categories")::add);
        ordinal.put("unknown", "missing");
      }
    }
    return pipeline;
  }
}
