package dev.pier.sdk;

import java.util.List;
import java.util.NoSuchElementException;

/**
 * Feast's online answer: {@code feature_names} (the join keys and request fields first) and one result per name, each
 * with a value, status and event time per entity.
 */
public record OnlineFeatures(List<String> featureNames, List<Result> results) {
  public OnlineFeatures {
    featureNames = List.copyOf(featureNames);
    results = List.copyOf(results);
  }

  /** One name's column: values (null where the status is not {@code PRESENT}), statuses and ISO-8601 event times. */
  public record Result(List<Object> values, List<String> statuses, List<String> eventTimestamps) {}

  /** The result for {@code name}, as it appears in {@link #featureNames()}. */
  public Result result(String name) {
    int i = featureNames.indexOf(name);
    if (i < 0) {
      throw new NoSuchElementException("no feature named '" + name + "'; names: " + featureNames);
    }
    return results.get(i);
  }
}
