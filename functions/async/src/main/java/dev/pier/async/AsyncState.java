package dev.pier.async;

/**
 * Where an async prediction is. {@link #QUEUED} → {@link #RUNNING} (claimed by one worker under a lease) →
 * {@link #SUCCEEDED} or {@link #FAILED}; a RUNNING prediction whose lease expired (its worker died) may be claimed
 * again. The last two are final: nothing changes them.
 */
public enum AsyncState {
  QUEUED,
  RUNNING,
  SUCCEEDED,
  FAILED;

  public boolean done() {
    return this == SUCCEEDED || this == FAILED;
  }
}
