package dev.pier.runtime.prediction;

import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.ResponseCache;

/**
 * {@link Slot#RESPONSE_CACHE}: for versions that cache responses, an earlier equal request's answer (the engine is
 * then skipped); on a miss the good answer is kept when the call ends. Explanations are never cached.
 */
public final class ResponseCacheStage implements Stage {
  private final ResponseCache responses;

  public ResponseCacheStage(ResponseCache responses) {
    this.responses = responses;
  }

  @Override
  public boolean apply(PredictionCall call) {
    if (call.response() != null || call.cacheKey() != null) {
      return true; // looked up already (a call resumed after declining)
    }
    Object key = responses.key(call.version(), call.request());
    if (key == null) {
      return true;
    }
    InferenceResponse hit = responses.lookup(call.version(), key, call.request().id());
    if (hit != null) {
      call.response(hit);
    } else {
      call.cacheKey(key);
    }
    return true;
  }

  @Override
  public void end(PredictionCall call) {
    if (call.cacheKey() != null && call.failure() == null && call.response() != null) {
      responses.store(call.version(), call.cacheKey(), call.response());
    }
  }
}
