package dev.pier.registry.api;

import java.util.List;

/**
 * The batch jobs that scored with a version, for its lineage's downstream: the batch domain provides it, so the
 * registry needs to know nothing of batch scoring.
 */
public interface VersionJobs {
  /** A batch job as lineage names it: its id and state. */
  record Job(String id, String state) {}

  List<Job> batchJobs(String model, int version);
}
