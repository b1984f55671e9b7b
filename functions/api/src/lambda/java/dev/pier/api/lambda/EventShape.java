package dev.pier.api.lambda;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.monitoring.tasks.MonitoringTasks;
import java.io.IOException;

/**
 * Which kind of event the function was handed, told by the top-level field names alone: streaming over them only,
 * so an HTTP event's body is scanned once and never copied.
 */
enum EventShape {
  /** A {@code Records} batch (an SQS event source mapping's, if its records say {@code aws:sqs}). */
  RECORDS,
  /**
   * A batch-scoring state machine task: the {@code Payload} its {@code lambda:invoke} states send, which names the
   * worker action ({@code {"action": "score-chunk", "job_id": …, "chunks": […]}}).
   */
  BATCH_TASK,
  /**
   * A monitor-runs state machine task: the {@code Payload} its {@code lambda:invoke} states send, which names the task
   * in {@code "monitoring"} ({@code {"monitoring": "run-due", "monitor_id": …, "at": …}}).
   */
  MONITORING_TASK,
  /**
   * An experiment-analysis state machine task: an {@code action} the experiments worker answers
   * ({@link dev.pier.experiments.analysis.AnalysisWorker#ACTIONS}: {@code running}, {@code analyze}).
   */
  EXPERIMENTS_TASK,
  /** Anything else: an API Gateway event. */
  OTHER;

  /** @throws IOException when the event is not JSON */
  static EventShape of(ObjectMapper json, byte[] event) throws IOException {
    try (JsonParser p = json.getFactory().createParser(event)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return OTHER;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("Records")) {
          return RECORDS;
        }
        if (name.equals("action") && value == JsonToken.VALUE_STRING) {
          return dev.pier.experiments.analysis.AnalysisWorker.ACTIONS.contains(p.getText()) ? EXPERIMENTS_TASK
              : BATCH_TASK;
        }
        if (name.equals(MonitoringTasks.FIELD) && value == JsonToken.VALUE_STRING) {
          return MONITORING_TASK;
        }
        p.skipChildren();
      }
      return OTHER;
    }
  }
}
