package dev.pier.batch;

/**
 * The states of an EMR Serverless job run ({@code GetJobRun}'s {@code jobRun.state}) and the batch job state each
 * stands for: waiting for capacity is {@link JobState#QUEUED}, {@code RUNNING} is {@link JobState#RUNNING}, and the
 * ends are {@link JobState#SUCCEEDED}, {@link JobState#FAILED} and {@link JobState#CANCELLED} ({@code CANCELLING}
 * included: the run stops and records nothing more).
 */
public enum EmrRunState {
  SUBMITTED(JobState.QUEUED),
  PENDING(JobState.QUEUED),
  SCHEDULED(JobState.QUEUED),
  QUEUED(JobState.QUEUED),
  RUNNING(JobState.RUNNING),
  SUCCESS(JobState.SUCCEEDED),
  FAILED(JobState.FAILED),
  CANCELLING(JobState.CANCELLED),
  CANCELLED(JobState.CANCELLED);

  private final JobState job;

  EmrRunState(JobState job) {
    this.job = job;
  }

  /** The batch job state this run state stands for. */
  public JobState jobState() {
    return job;
  }

  /** The state EMR Serverless names; null for one this build does not know (the job is then left as it is). */
  public static EmrRunState parse(String s) {
    for (EmrRunState state : values()) {
      if (state.name().equals(s)) {
        return state;
      }
    }
    return null;
  }
}
