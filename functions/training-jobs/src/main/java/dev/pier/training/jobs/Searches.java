package dev.pier.training.jobs;

import dev.pier.kernel.PierException;
import java.util.Map;

/** The search a job's {@code tuning} asks for, built on the training library's samplers and pruners. */
public final class Searches {
  private Searches() {}

  /** A 400 naming what is wrong with {@code tuning} (its space, strategy, options). */
  public static void check(TrainingJobSpec.Tuning tuning, Map<String, Object> params) {
    throw PierException.notImplemented("tuning is not available in this build yet");
  }

  public static SearchStrategy of(TrainingJobSpec spec) {
    if (spec.tuning() == null) {
      return SearchStrategy.single(spec.params());
    }
    throw PierException.notImplemented("tuning is not available in this build yet");
  }
}
