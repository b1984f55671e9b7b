package dev.pier.runtime.prediction;

/**
 * The door a prediction came in by. Each only decodes its request into a {@link PredictionCall} and encodes the
 * answer; the {@link PredictionPipeline} does the rest the same way for all. Prediction metrics carry it as the label
 * {@code way_in}.
 */
public enum WayIn {
  /** Open Inference Protocol REST: JSON and the binary extension, on the I/O thread or a worker. */
  REST,
  /** Open Inference Protocol gRPC, unary and streaming. */
  GRPC,
  /** Named features through the version's feature pipeline: {@code POST /api/v1/models/{m}/predict}. */
  PREDICT,
  /** NDJSON rows: {@code POST /api/v1/models/{m}/predict-stream}, one call per block of rows. */
  STREAM,
  /** {@code Prefer: respond-async}: scored by the async worker. */
  ASYNC,
  /** Batch scoring jobs, one call per model batch of a chunk. */
  BATCH;

  private final String label = name().toLowerCase(java.util.Locale.ROOT);

  /** The metric label: {@code rest}, {@code grpc}, {@code predict}, {@code stream}, {@code async} or {@code batch}. */
  public String label() {
    return label;
  }
}
