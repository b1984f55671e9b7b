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

  /**
   * What a training job logged from {@code fromMillis} on (inclusive: an event at that time is read again, so a round
   * logged in the same millisecond as the last one read is not missed; rounds are keyed by number, so reading one
   * twice changes nothing), every page; {@code lastMillis} is the latest event's time ({@code fromMillis} when none).
   * No log stream yet (the job has not started): no lines.
   */
  public Since since(String trainingJobName, long fromMillis) {
    List<String> lines = new ArrayList<>();
    List<Long> times = new ArrayList<>();
    long last = fromMillis;
    try {
      FilterLogEventsRequest request = FilterLogEventsRequest.builder().logGroupName(GROUP)
          .logStreamNamePrefix(trainingJobName + "/algo-1-").startTime(fromMillis > 0 ? fromMillis : null).build();
      for (var page : logs.get().filterLogEventsPaginator(request)) {
        for (FilteredLogEvent e : page.events()) {
          lines.add(e.message());
          times.add(e.timestamp() != null ? e.timestamp() : fromMillis);
          if (e.timestamp() != null) {
            last = Math.max(last, e.timestamp());
          }
        }
      }
    } catch (ResourceNotFoundException e) {
      return new Since(List.of(), List.of(), fromMillis);
    }
    return new Since(List.copyOf(lines), List.copyOf(times), last);
  }

  /** Lines read from a time on, each line's event time, and the latest event's time (where the next read starts). */
  public record Since(List<String> lines, List<Long> times, long lastMillis) {}
}
