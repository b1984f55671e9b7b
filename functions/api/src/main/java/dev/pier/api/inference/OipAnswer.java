package dev.pier.api.inference;

import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.prediction.PredictionCall;
import dev.pier.runtime.oip.OipJson;

/**
 * An answered OIP REST call, encoded: its body, and the binary extension's JSON header length (-1 for a JSON-only
 * body). Shared by both REST front doors ({@link InferRoute}, {@link InferenceResource}).
 *
 * @param binaryHeaderLength -1 for JSON; else the length of the JSON header before the binary tensor data
 * @param experiment {@code <experiment>=<arm>} for {@link #EXPERIMENT_HEADER} when an experiment's arm answered; null
 */
record OipAnswer(byte[] body, int binaryHeaderLength, String experiment) {
  /** Names the experiment and arm whose version answered: {@code X-Pier-Experiment: <experiment id>=<arm>}. */
  static final String EXPERIMENT_HEADER = "X-Pier-Experiment";

  /** Bodies up to this size may be answered on the I/O thread; larger ones are parsed on a worker. */
  static final int INLINE_BODY_BYTES = 64 * 1024;

  static OipAnswer of(PredictionCall call) {
    InferenceResponse response = call.response();
    if (!call.request().binaryOutputs().isEmpty()) {
      OipJson.BinaryBody binary = OipJson.writeBinaryResponse(response, call.request().binaryOutputs());
      return new OipAnswer(binary.body(), binary.headerLength(), call.experiment());
    }
    return new OipAnswer(OipJson.writeResponse(response), -1, call.experiment());
  }
}
