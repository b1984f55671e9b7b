package dev.pier.training.sagemaker;

/**
 * How training runs on SageMaker (AWS mode): the training state machine then runs each trial's folds and the refit as
 * SageMaker training jobs (sagemaker-training.asl.json, started with {@code .sync}) instead of in the worker.
 *
 * @param xgboostImage SageMaker's XGBoost image for the region ({@code …/sagemaker-xgboost:1.7-1})
 * @param defaultMaxRuntimeSeconds a training job's {@code MaxRuntimeInSeconds} when the job sets no max_runtime
 */
public record SageMakerSettings(String xgboostImage, long defaultMaxRuntimeSeconds) {
  /** SageMaker's XGBoost 1.7-1 image in us-east-1. */
  public static final String XGBOOST_US_EAST_1 = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";

  public SageMakerSettings {
    if (xgboostImage == null || xgboostImage.isBlank()) {
      throw new IllegalArgumentException("the SageMaker XGBoost image is required");
    }
    if (defaultMaxRuntimeSeconds <= 0) {
      throw new IllegalArgumentException("the default max runtime must be positive, not " + defaultMaxRuntimeSeconds);
    }
  }
}
