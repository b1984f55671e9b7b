package dev.pier.training.sagemaker;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilterLogEventsRequest;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilteredLogEvent;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException;

/**
 * A finished SageMaker training job's log in CloudWatch Logs, where SageMaker writes its container's output: log group
 * {@value #GROUP}, streams {@code <training-job-name>/algo-<host>-<epoch>}. Only the first host's streams are read
 * ({@code algo-1-}: every host of a distributed XGBoost job logs the same rounds), every page of
 * {@code FilterLogEvents} in the order CloudWatch returns them (time, then stream). The client is made on first use.
 */
public final class TrainingLogs {
  public static final String GROUP = "/aws/sagemaker/TrainingJobs";

  private final Supplier<CloudWatchLogsClient> logs;

  public TrainingLogs(Supplier<CloudWatchLogsClient> logs) {
    this.logs = logs;
  }

  /** The job's per-round metrics; empty when it has no log stream (or the log group does not exist yet). */
  public Optional<RoundLog> rounds(String trainingJobName) {
    List<String> lines = new ArrayList<>();
    try {
      FilterLogEventsRequest request = FilterLogEventsRequest.builder().logGroupName(GROUP)
          .logStreamNamePrefix(trainingJobName + "/algo-1-").build();
      for (var page : logs.get().filterLogEventsPaginator(request)) {
        for (FilteredLogEvent e : page.events()) {
          lines.add(e.message());
        }
      }
    } catch (ResourceNotFoundException e) {
      return Optional.empty();
    }
    return lines.isEmpty() ? Optional.empty() : Optional.of(RoundLog.parse(lines));
  }
}
