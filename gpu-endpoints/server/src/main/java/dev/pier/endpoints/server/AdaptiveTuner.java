package dev.pier.endpoints.server;

/**
 * Adaptive mode's controller: once per window it looks at the window's p95 latency, throughput and queue, and moves
 * the batcher's delay and instance count towards the highest throughput whose p95 stays under the target — Triton's
 * Model Analyzer search, done online on live traffic in small steps rather than offline.
 *
 * <ul>
 *   <li>p95 over the target: halve the delay; at the smallest delay, drop an instance (fewer concurrent engine
 *       calls, each faster) while more than one runs;
 *   <li>p95 under 80 % of the target: try one step up — another instance when requests were left waiting and
 *       instances remain, else a longer delay (doubled, at least {@value #MIN_STEP_US} us, capped) — and keep it only
 *       if the next window's throughput did not fall by more than 10 %, else step back;
 *   <li>between the two, or with fewer than {@value #MIN_REQUESTS} requests in the window: no change.
 * </ul>
 *
 * <p>{@link #next} is a pure function of the state and one window's observation.
 */
public final class AdaptiveTuner {
  static final long MIN_STEP_US = 100;
  static final int MIN_REQUESTS = 20;

  private AdaptiveTuner() {}

  /** The controller's settings and memory of its last move (to step back from one that cost throughput). */
  public record State(long delayMicros, int instances, Move lastMove, double throughputBefore) {
    public static State initial(long delayMicros, int instances) {
      return new State(delayMicros, instances, Move.NONE, 0);
    }
  }

  /** One window: requests completed, their p95 (ms), throughput (requests/s), requests waiting at its end. */
  public record Observation(long requests, double p95Millis, double throughput, int waiting) {}

  public enum Move { NONE, LONGER_DELAY, MORE_INSTANCES, BACK }

  /**
   * @param maxDelayMicros the policy's {@code max_queue_delay_us}, the delay's ceiling
   * @param maxInstances the policy's {@code instances}, the instance count's ceiling
   */
  public static State next(State s, Observation o, double targetMillis, long maxDelayMicros, int maxInstances) {
    if (o.requests() < MIN_REQUESTS) {
      return s;
    }
    if (o.p95Millis() > targetMillis) {
      if (s.delayMicros() > MIN_STEP_US) {
        return new State(s.delayMicros() / 2, s.instances(), Move.NONE, o.throughput());
      }
      if (s.instances() > 1) {
        return new State(0, s.instances() - 1, Move.NONE, o.throughput());
      }
      return new State(0, s.instances(), Move.NONE, o.throughput());
    }
    boolean lostThroughput = o.throughput() < 0.9 * s.throughputBefore();
    if (s.lastMove() == Move.MORE_INSTANCES && lostThroughput) {
      return new State(s.delayMicros(), s.instances() - 1, Move.BACK, o.throughput());
    }
    if (s.lastMove() == Move.LONGER_DELAY && lostThroughput) {
      return new State(s.delayMicros() / 2, s.instances(), Move.BACK, o.throughput());
    }
    if (s.lastMove() == Move.BACK) {
      return new State(s.delayMicros(), s.instances(), Move.NONE, o.throughput()); // hold one window after a step back
    }
    if (o.p95Millis() < 0.8 * targetMillis) {
      if (o.waiting() > 0 && s.instances() < maxInstances) {
        return new State(s.delayMicros(), s.instances() + 1, Move.MORE_INSTANCES, o.throughput());
      }
      long longer = Math.min(maxDelayMicros, Math.max(MIN_STEP_US, s.delayMicros() * 2));
      if (longer > s.delayMicros()) {
        return new State(longer, s.instances(), Move.LONGER_DELAY, o.throughput());
      }
    }
    return new State(s.delayMicros(), s.instances(), Move.NONE, o.throughput());
  }

  /** Runs the controller on a daemon thread every {@code periodMillis} against a live batcher. */
  public static Thread start(DynamicBatcher batcher, BatcherMetrics metrics, BatchPolicy policy, long periodMillis) {
    return Thread.ofPlatform().daemon().name("pier-endpoint-tuner").start(() -> {
      State state = State.initial(batcher.delayMicros(), batcher.activeInstances());
      while (!Thread.currentThread().isInterrupted()) {
        try {
          Thread.sleep(periodMillis);
        } catch (InterruptedException e) {
          return;
        }
        LatencyWindow.Snapshot w = metrics.latencyWindow().drain();
        Observation o = new Observation(w.requests(), w.p95Millis(), w.requests() * 1000.0 / periodMillis,
            batcher.queued());
        State next = next(state, o, policy.p95TargetMillis(), policy.maxQueueDelayMicros(), policy.instances());
        if (next.delayMicros() != state.delayMicros() || next.instances() != state.instances()) {
          batcher.tune(next.delayMicros(), next.instances());
        }
        state = next;
      }
    });
  }
}
