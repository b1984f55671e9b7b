package dev.pier.api.inference;

import dev.pier.api.platform.ThreadNice;
import dev.pier.runtime.prediction.PredictionCall;
import dev.pier.runtime.prediction.Slot;
import dev.pier.runtime.prediction.Stage;

/**
 * {@link Slot#RESOLVE}: a call running on a thread that may block (a worker, not an HTTP I/O thread) lowers that
 * thread's scheduling priority once ({@link ThreadNice}, {@code pier.limits.worker-nice}), so the I/O threads stay
 * responsive while every worker is busy scoring. Calls answered on an I/O thread pass untouched.
 */
final class WorkerPriorityStage implements Stage {
  private final ThreadNice nice;

  WorkerPriorityStage(ThreadNice nice) {
    this.nice = nice;
  }

  @Override
  public boolean apply(PredictionCall call) {
    if (call.budget().mayBlock()) {
      nice.lowerCurrentThread();
    }
    return true;
  }
}
