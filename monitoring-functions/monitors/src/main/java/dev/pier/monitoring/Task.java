package dev.pier.monitoring;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/** What a monitored model predicts, which decides its performance metrics. */
public enum Task {
  BINARY_CLASSIFICATION, MULTICLASS_CLASSIFICATION, REGRESSION;

  @JsonValue
  public String wireName() {
    return name().toLowerCase();
  }

  public static Task byName(String name) {
    for (Task t : values()) {
      if (t.wireName().equals(name)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown task '" + name + "'; one of "
        + Arrays.stream(values()).map(Task::wireName).collect(Collectors.joining(", ")));
  }
}
