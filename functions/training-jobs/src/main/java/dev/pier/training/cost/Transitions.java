package dev.pier.training.cost;

/**
 * The state transitions Step Functions bills for one run of a training job through training.asl.json (with its
 * sagemaker-training.asl.json children), counted along the path the job's execution takes: every state entered is one
 * transition — Choices, Passes and Waits, a Map's or Parallel's own state, each iteration's and branch's states — as
 * Step Functions counts them. Retries, a restarted execution's repeated states and a failed job's shorter path are
 * not counted. {@code SageMakerTrainingTest} and {@code SageMakerTuningTest} check each path's count against the
 * states the local runner entered.
 */
public final class Transitions {
  /** training.asl.json's WatchWait: the seconds between two polls of a watched trial. */
  public static final int WATCH_POLL_SECONDS = 30;

  private Transitions() {}

  /**
   * About how many polls watched trials took: each trial's folds train side by side, so a trial is watched about as
   * long as one fold trains — {@code trainingSeconds} (all folds' training time, billed or saved) over {@code folds} —
   * at one poll every {@link #WATCH_POLL_SECONDS}, and one more each (the poll that sees the end).
   */
  public static long watchPolls(int trials, int folds, double trainingSeconds) {
    return (long) Math.ceil(trainingSeconds / Math.max(1, folds) / WATCH_POLL_SECONDS) + trials;
  }

  /** The refit on SageMaker: its Choice, channels task, Choice, child execution task (with the child's Spot Choice and
   * training task) and result task. */
  private static final int REFIT_ON_SAGEMAKER = 5 + 2;
  /** After the refit: evaluate, register, canary, experiment, finalize. */
  private static final int AFTER_REFIT = 5;

  /**
   * Trials trained in the worker: prepare and the tuner's Choice; per batch Suggest, its Choice and the Map, and one
   * more Suggest and Choice that end the search; per trial the Map iteration's Choice and task; best, the refit's
   * Choice and task, and what follows the refit.
   */
  public static int inWorker(int trials, int batches) {
    return 2 + 3 * batches + 2 + 2 * trials + 1 + 2 + AFTER_REFIT;
  }

  /**
   * Pier's search on SageMaker: as in the worker up to best, then the refit on SageMaker; per trial a Choice, the
   * channels task, a Choice, the folds' Map and the result task, and each fold's child execution (a task here, its
   * Spot Choice and training task there). A watched trial (a search with a pruner) runs a Parallel instead of the
   * result task, with the folds' Map (a stopped fold's iteration one state more: {@code stoppedFolds}) beside the
   * watch loop: four states a poll ({@code polls}, over all watched trials).
   */
  public static int onSageMaker(int trials, int batches, int folds, long polls, int stoppedFolds) {
    return 2 + 3 * batches + 2 + trials * (5 + 3 * folds) + (int) (4 * polls) + stoppedFolds + 1
        + REFIT_ON_SAGEMAKER + AFTER_REFIT;
  }

  /**
   * One SageMaker Automatic Model Tuning job instead of the search: prepare, the tuner's Choice, the tuning request
   * task, its two Choices, the {@code .sync} tuning task and the recording task; then best, the refit on SageMaker and
   * what follows it. The tuning job's training jobs are SageMaker's, not transitions.
   */
  public static int tuning() {
    return 7 + 1 + REFIT_ON_SAGEMAKER + AFTER_REFIT;
  }
}
