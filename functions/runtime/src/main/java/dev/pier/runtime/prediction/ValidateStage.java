package dev.pier.runtime.prediction;

import dev.pier.runtime.SignatureCheck;

/**
 * {@link Slot#VALIDATE}: the inputs against the version's registered signature (names, datatypes, shapes), a 400
 * naming what is wrong. A version registered without a signature is checked against the one its loaded model
 * declares, in {@link Slot#ENGINE}.
 */
public final class ValidateStage implements Stage {
  @Override
  public boolean apply(PredictionCall call) {
    if (call.version().signature() != null) {
      SignatureCheck.check(call.version().signature(), call.request());
    }
    return true;
  }
}
