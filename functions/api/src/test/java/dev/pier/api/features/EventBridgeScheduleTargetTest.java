package dev.pier.api.features;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.batch.SchedulerStandIn;
import dev.pier.batch.SchedulerStandIn.Call;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The AWS side of materialization schedules: what the real Scheduler SDK client sends (recorded by a stand-in of
 * Scheduler's REST API) — the schedule's name, expression in UTC, state, and a target that invokes the feature worker
 * with the {@code materialize-incremental} event the worker's tasks read; disabling and deleting the same schedule.
 */
class EventBridgeScheduleTargetTest {
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
  void eachScheduleInvokesTheFeatureWorkerWithAnIncrementalJobOfItsViews() throws Exception {
    var target = new EventBridgeScheduleTarget(scheduler.client(),
        "arn:aws:lambda:eu-west-1:1:function:pier-dev-feature-worker", "arn:aws:iam::1:role/pier-dev-feature-schedules",
        "default");
    MaterializationSchedule s = new MaterializationSchedule("fs-0123456789abcdef", List.of("driver_hourly_stats"),
        "cron(0 6 ? * MON-FRI *)", true, Instant.parse("2026-12-07T10:00:00Z"), null, null, null, null);

    target.created(s);
    target.enabled(s, false);
    target.deleted(s.id());

    assertThat(scheduler.calls).extracting(Call::method).containsExactly("POST", "PUT", "DELETE");
    assertThat(scheduler.calls).extracting(Call::path).containsOnly("/schedules/pier-fs-0123456789abcdef");
    JsonNode create = scheduler.calls.get(0).body();
    assertThat(create.path("GroupName").asText()).isEqualTo("default");
    assertThat(create.path("ScheduleExpression").asText()).isEqualTo("cron(0 6 ? * MON-FRI *)");
    assertThat(create.path("ScheduleExpressionTimezone").asText()).isEqualTo("UTC");
    assertThat(create.path("State").asText()).isEqualTo("ENABLED");
    assertThat(create.path("ClientToken").asText()).isEqualTo(s.id());
    JsonNode t = create.path("Target");
    assertThat(t.path("Arn").asText()).endsWith(":function:pier-dev-feature-worker");
    assertThat(t.path("RoleArn").asText()).endsWith(":role/pier-dev-feature-schedules");
    JsonNode input = JSON.readTree(t.path("Input").asText());
    assertThat(input.path("action").asText()).isEqualTo("materialize-incremental"); // MaterializationTasks' action
    assertThat(input.path("feature_views")).hasSize(1);
    assertThat(input.path("feature_views").get(0).asText()).isEqualTo("driver_hourly_stats");
    assertThat(input.path("scheduled_time").asText()).isEqualTo("<aws.scheduler.scheduled-time>");
    JsonNode update = scheduler.calls.get(1).body();
    assertThat(update.path("State").asText()).isEqualTo("DISABLED");
    assertThat(update.path("Target")).isEqualTo(t); // the same definition, paused
    assertThat(scheduler.calls.get(2).query()).contains("groupName=default");
  }
}
