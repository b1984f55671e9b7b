package dev.pier.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.batch.SchedulerStandIn.Call;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Batch schedules in AWS through {@link SchedulerSchedules}, as the real Scheduler SDK client sends them to a stand-in
 * of Scheduler's REST API: the schedule starts the batch-scoring state machine with the schedule's id and Scheduler's
 * fire time; a create repeated after it landed (Scheduler answers {@code ConflictException}) and a delete of a schedule
 * already gone ({@code ResourceNotFoundException}) are not failures.
 */
class EventBridgeScheduleTriggerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private SchedulerStandIn scheduler;

  @BeforeEach
  void start() throws Exception {
    scheduler = new SchedulerStandIn();
  }

  @AfterEach
  void stop() {
    scheduler.close();
  }

  @Test
  void eachScheduleStartsTheStateMachineAndRepeatedWritesAreNoOps() throws Exception {
    var trigger = new EventBridgeScheduleTrigger(scheduler.client(),
        "arn:aws:states:eu-west-1:1:stateMachine:pier-dev-batch", "arn:aws:iam::1:role/pier-dev-batch-schedules",
        "pier-dev");
    BatchSchedule s = new BatchSchedule("bs-0123456789abcdef", "iris", "production",
        new S3Uri("batch", "incoming/iris.jsonl"), new S3Uri("batch", "outputs/"), InputFormat.JSONL, Priority.NORMAL,
        "rate(1 hour)", Instant.parse("2026-12-07T10:00:00Z"), null, null);

    trigger.created(s);
    trigger.created(s); // a retried request: Scheduler answers 409, the schedule is there
    trigger.deleted(s.id());
    trigger.deleted(s.id()); // gone already: 404

    assertThat(scheduler.calls).extracting(Call::method).containsExactly("POST", "POST", "DELETE", "DELETE");
    assertThat(scheduler.calls).extracting(Call::path).containsOnly("/schedules/pier-bs-0123456789abcdef");
    JsonNode create = scheduler.calls.get(0).body();
    assertThat(create.path("GroupName").asText()).isEqualTo("pier-dev");
    assertThat(create.path("ScheduleExpression").asText()).isEqualTo("rate(1 hour)");
    assertThat(create.path("ScheduleExpressionTimezone").asText()).isEqualTo("UTC");
    assertThat(create.path("State").asText()).isEqualTo("ENABLED");
    assertThat(create.path("ClientToken").asText()).isEqualTo(s.id());
    JsonNode t = create.path("Target");
    assertThat(t.path("Arn").asText()).endsWith(":stateMachine:pier-dev-batch");
    assertThat(t.path("RoleArn").asText()).endsWith(":role/pier-dev-batch-schedules");
    assertThat(t.path("RetryPolicy").path("MaximumRetryAttempts").asInt()).isEqualTo(10);
    JsonNode input = JSON.readTree(t.path("Input").asText());
    assertThat(input.path("schedule_id").asText()).isEqualTo(s.id());
    assertThat(input.path("scheduled_time").asText()).isEqualTo("<aws.scheduler.scheduled-time>");
  }
}
