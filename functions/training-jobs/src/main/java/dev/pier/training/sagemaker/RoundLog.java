package dev.pier.training.sagemaker;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The per-round metrics of one SageMaker XGBoost training job, parsed from the lines its container logs: one line a
 * round, {@code [12]#011train-auc:0.91234#011validation-auc:0.88765} (CloudWatch Logs writes the tab as {@code #011};
 * a raw tab reads the same). Other lines (the container's own, XGBoost's warnings, "Stopping. Best iteration: …") are
 * skipped. A round logged twice (a restarted spot job trains again from its checkpoint) keeps its last value.
 *
 * @param metrics each evaluation's values by round from 0, keyed as XGBoost names them ({@code validation-auc})
 */
public record RoundLog(Map<String, List<Double>> metrics) {
  private static final Pattern ROUND = Pattern.compile("^\\s*\\[(\\d+)\\]((?:(?:#011|\\t)[^:\\s#]+:[^\\s#]+)+)\\s*$");
  private static final Pattern PAIR = Pattern.compile("(?:#011|\\t)([^:\\s#]+):([^\\s#]+)");

  public static RoundLog parse(List<String> lines) {
    Map<String, java.util.SortedMap<Integer, Double>> byRound = byRound(lines);
    Map<String, List<Double>> out = new LinkedHashMap<>();
    byRound.forEach((key, rounds) -> { // rounds from 0 without a gap: a gap ends what is known
      List<Double> values = new ArrayList<>();
      while (rounds.containsKey(values.size())) {
        values.add(rounds.get(values.size()));
      }
      if (!values.isEmpty()) {
        out.put(key, List.copyOf(values));
      }
    });
    return new RoundLog(Map.copyOf(out));
  }

  /**
   * Each evaluation's values by round number from any run of round lines (a part of a log read since some time: its
   * first round need not be 0); a round logged twice keeps its last value.
   */
  public static Map<String, java.util.SortedMap<Integer, Double>> byRound(List<String> lines) {
    Map<String, java.util.SortedMap<Integer, Double>> byRound = new LinkedHashMap<>();
    for (String line : lines) {
      Matcher m = ROUND.matcher(line);
      if (!m.matches()) {
        continue;
      }
      int round = Integer.parseInt(m.group(1));
      Matcher p = PAIR.matcher(m.group(2));
      while (p.find()) {
        double value;
        try {
          value = Double.parseDouble(p.group(2));
        } catch (NumberFormatException e) {
          continue;
        }
        byRound.computeIfAbsent(p.group(1), k -> new java.util.TreeMap<>()).put(round, value);
      }
    }
    return byRound;
  }

  /** The round a round line reports ({@code [12]#011validation-auc:0.8}: 12); -1 for any other line. */
  public static int round(String line) {
    Matcher m = ROUND.matcher(line);
    return m.matches() ? Integer.parseInt(m.group(1)) : -1;
  }

  /** The values of {@code key} by round ({@code validation-auc}); empty where the log has none. */
  public List<Double> history(String key) {
    return metrics.getOrDefault(key, List.of());
  }

  /** XGBoost's log name for SageMaker's metric name: {@code validation:auc} is logged as {@code validation-auc}. */
  public static String key(String sagemakerMetric) {
    int colon = sagemakerMetric.indexOf(':');
    return colon < 0 ? sagemakerMetric : sagemakerMetric.substring(0, colon) + "-" + sagemakerMetric.substring(colon + 1);
  }
}
