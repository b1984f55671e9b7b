package dev.pier.batch;

import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.S3SourcePolicy;
import dev.pier.runtime.PredictionService;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Recurring batch jobs: create, list, get, delete, and {@link #fire} — start the run for one fire time, at most once
 * however often it is asked (two schedulers, a retried delivery, a restart): the run's job id derives from schedule
 * id and fire time, and the job is created with a conditional write.
 */
public final class BatchSchedules {
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Catch-up is for the latest missed fire time only; this bounds the walk to it. */
  private static final int MAX_STEPS = 100_000;

  private final SchedulesTable table;
  private final JobsTable jobs;
  private final PredictionService predictions;
  private final JobLauncher launcher;
  private final S3Client s3;
  private final BatchSettings settings;
  private final ScheduleTrigger trigger;
  private final S3SourcePolicy locations;

  /** @param locations where callers may point inputs and outputs (never Pier's own prefixes) */
  public BatchSchedules(SchedulesTable table, JobsTable jobs, PredictionService predictions, JobLauncher launcher,
      S3Client s3, BatchSettings settings, ScheduleTrigger trigger, S3SourcePolicy locations) {
    this.locations = locations;
    this.table = table;
    this.jobs = jobs;
    this.predictions = predictions;
    this.launcher = launcher;
    this.s3 = s3;
    this.settings = settings;
    this.trigger = trigger;
  }

  /**
   * What a caller asks for; {@code input} is an object or a prefix ending in {@code /}.
   *
   * @param featuresAsOf as a one-off job's: the rows' event-timestamp field for a point-in-time feature lookup, or
   *     null (online values)
   */
  public record Submission(String model, String reference, String input, String output, String format,
      String priority, String schedule, String featuresAsOf) {
    public Submission(String model, String reference, String input, String output, String format, String priority,
        String schedule) {
      this(model, reference, input, output, format, priority, schedule, null);
    }
  }

  public BatchSchedule create(Submission s) {
    if (!launcher.available()) {
      throw new PierException(501, "this server cannot start batch jobs, so it cannot schedule them: set"
          + " pier.batch.state-machine-arn");
    }
    if (s.model() == null || s.model().isBlank()) {
      throw PierException.badRequest("model is required");
    }
    S3Uri input = S3Uri.parse(s.input(), "input");
    locations.check(input.bucket(), input.key(), "input");
    InputFormat format = s.format() != null ? InputFormat.parse(s.format()) : null;
    if (format == null && !input.key().endsWith("/") && InputFormat.ofKey(input.key()) == null) {
      throw PierException.badRequest("format is required when the input's extension does not name one"
          + " (.jsonl, .csv, .parquet)");
    }
    Priority priority = Priority.parse(s.priority());
    Instant created = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    ScheduleExpression.parse(s.schedule(), created); // 400 naming what is wrong
    String reference = s.reference() == null || s.reference().isBlank() ? "production" : s.reference();
    var version = predictions.resolve(s.model(), reference); // 404 for unknown models, versions, aliases
    if (s.featuresAsOf() != null) {
      BatchJobs.checkPointInTime(version, s.model()); // as a one-off job: the version it resolves to now
    }
    S3Uri output = s.output() == null || s.output().isBlank() ? new S3Uri(settings.bucket(), "outputs/")
        : S3Uri.parse(s.output(), "output").asPrefix();
    if (s.output() != null && !s.output().isBlank()) {
      locations.check(output.bucket(), output.key(), "output"); // the default is Pier's own choice
    }
    byte[] random = new byte[8];
    RANDOM.nextBytes(random);
    BatchSchedule schedule = new BatchSchedule("bs-" + HexFormat.of().formatHex(random), s.model(), reference, input,
        output, format, priority, s.schedule().strip(), created, null, s.featuresAsOf());
    table.create(schedule);
    try {
      trigger.created(schedule);
    } catch (RuntimeException e) {
      table.delete(schedule.id()); // no schedule that never fires
      throw e;
    }
    return schedule;
  }

  public List<BatchSchedule> list() {
    return table.list();
  }

  public BatchSchedule get(String id) {
    return table.require(id);
  }

  /** Deletes a schedule and its trigger; runs already started go on. */
  public void delete(String id) {
    table.require(id);
    trigger.deleted(id);
    table.delete(id);
  }

  /** The id of the run for a fire time: the same however often, wherever it is computed. */
  public static String runId(String scheduleId, Instant fireTime) {
    return "sc-" + BatchJobs.sha256(scheduleId + "@" + fireTime).substring(0, 24);
  }

  /**
   * Starts the run for {@code fireTime} unless it exists; returns the new job, or empty when the run was started
   * before (or the schedule is gone). A run whose input or model cannot be found is created FAILED with the reason.
   */
  public Optional<BatchJob> fire(String scheduleId, Instant fireTime) {
    Optional<BatchSchedule> found = table.get(scheduleId);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    BatchSchedule s = found.get();
    String id = runId(scheduleId, fireTime);
    if (jobs.get(id).isPresent()) {
      table.advance(scheduleId, fireTime);
      return Optional.empty();
    }
    String problem = null;
    S3Uri input = s.input();
    if (input.key().endsWith("/")) {
      input = newest(input);
      if (input == null) {
        problem = "no input under " + s.input() + " at " + fireTime;
        input = s.input();
      }
    }
    InputFormat format = s.format() != null ? s.format() : InputFormat.ofKey(input.key());
    if (problem == null && format == null) {
      problem = "unsupported file type: " + input + " (batch scoring reads .jsonl, .csv and .parquet)";
    }
    int version = 0;
    if (problem == null) {
      try {
        var resolved = predictions.resolve(s.model(), s.reference());
        version = resolved.version();
        if (s.featuresAsOf() != null) {
          BatchJobs.checkPointInTime(resolved, s.model()); // an alias may have moved to a version without features
        }
      } catch (PierException e) {
        problem = e.getMessage();
      }
    }
    BatchJob job = BatchJobs.newJob(id, s.model(), s.reference(), version, s.priority(), input,
        s.output().resolve(id + "/"), format == null ? InputFormat.JSONL : format,
        "schedule:" + scheduleId + "@" + fireTime, s.featuresAsOf(), Engine.LAMBDA, null, null, null);
    if (!jobs.create(job)) {
      table.advance(scheduleId, fireTime);
      return Optional.empty();
    }
    if (problem != null) {
      jobs.finish(id, JobState.FAILED, problem); // never dropped silently: the run says why it did not run
    } else {
      launcher.launch(job);
    }
    table.advance(scheduleId, fireTime);
    return Optional.of(jobs.require(id));
  }

  /**
   * Local mode's scheduler tick: for every schedule whose next fire time has come, starts the run for the latest fire
   * time at or before {@code now} (a scheduler that was down does not replay every missed period, like EventBridge
   * Scheduler without a retry window).
   */
  public List<BatchJob> fireDue(Instant now) {
    List<BatchJob> started = new ArrayList<>();
    for (BatchSchedule s : table.list()) {
      ScheduleExpression expression = s.expression();
      Instant latest = null;
      Instant t = expression.next(s.lastFire() != null ? s.lastFire() : s.createdAt());
      for (int i = 0; t != null && !t.isAfter(now) && i < MAX_STEPS; i++) {
        latest = t;
        t = expression.next(t);
      }
      if (latest != null) {
        fire(s.id(), latest).ifPresent(started::add);
      }
    }
    return started;
  }

  /** The newest object under a prefix (by last modification), or null. */
  private S3Uri newest(S3Uri prefix) {
    return s3.listObjectsV2Paginator(b -> b.bucket(prefix.bucket()).prefix(prefix.key())).contents().stream()
        .filter(o -> !o.key().endsWith("/"))
        .max(Comparator.comparing(S3Object::lastModified).thenComparing(S3Object::key))
        .map(o -> new S3Uri(prefix.bucket(), o.key()))
        .orElse(null);
  }
}
