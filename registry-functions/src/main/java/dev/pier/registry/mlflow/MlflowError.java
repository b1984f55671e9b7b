package dev.pier.registry.mlflow;

/** A failure with MLflow's own error code, for the few cases whose code a status alone does not say. */
final class MlflowError extends RuntimeException {
  final String code;
  final int status;

  MlflowError(String code, int status, String message) {
    super(message, null, false, false);
    this.code = code;
    this.status = status;
  }

  static MlflowError alreadyExists(String message) {
    return new MlflowError("RESOURCE_ALREADY_EXISTS", 400, message);
  }
}
