package dev.pier.api.inference;

import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.prediction.PredictionCall;
import dev.pier.runtime.oip.OipJson;

/**
 * An answered OIP REST call, encoded: its body, and the binary extension's JSON header length (-1 for a JSON-only
 * body). Shared by both REST front doors ({@link InferRoute}, {@link InferenceResource}).
 *
 * @param binaryHeaderLength -1 for JSON; else the length of the JSON header before the binary tensor data
 */
record OipAnswer(byte[] body, int binaryHeaderLength) {
  /** Bodies up to this size may be answered on the I/O thread; larger ones are parsed on a worker. */
  static final int INLINE_BODY_BYTES = 64 * 1024;

  static OipAnswer of(PredictionCall call) {
    InferenceResponse response = call.response();
    if (!call.request().binaryOutputs().isEmpty()) {
      OipJson.BinaryBody binary = OipJson.writeBinaryResponse(response, call.request().binaryOutputs());
      return new OipAnswer(binary.body(), binary.headerLength());
    }
    return new OipAnswer(OipJson.writeResponse(response), -1);
  }
}
