package dev.pier.monitoring.performance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Multiclass metrics equal to scikit-learn's: {@code accuracy_score}, {@code f1_score(average="macro")} over every
 * class seen as a label or a prediction (0 for a class with no true and no predicted rows), and
 * {@code confusion_matrix} with rows = true class, columns = predicted class, classes in ascending order.
 */
public record MulticlassMetrics(long count, double accuracy, double macroF1, List<String> classes,
    long[][] confusionMatrix) {

  public static MulticlassMetrics of(List<String> labels, List<String> predictions) {
    if (labels.size() != predictions.size()) {
      throw new IllegalArgumentException(labels.size() + " labels but " + predictions.size() + " predictions");
    }
    if (labels.isEmpty()) {
      throw new IllegalArgumentException("no labelled predictions");
    }
    TreeSet<String> seen = new TreeSet<>(labels);
    seen.addAll(predictions);
    List<String> classes = new ArrayList<>(seen);
    Map<String, Integer> index = new TreeMap<>();
    for (int i = 0; i < classes.size(); i++) {
      index.put(classes.get(i), i);
    }
    long[][] matrix = new long[classes.size()][classes.size()];
    long correct = 0;
    for (int i = 0; i < labels.size(); i++) {
      int t = index.get(labels.get(i));
      int p = index.get(predictions.get(i));
      matrix[t][p]++;
      if (t == p) {
        correct++;
      }
    }
    double f1Sum = 0;
    for (int c = 0; c < classes.size(); c++) {
      long tp = matrix[c][c];
      long predicted = 0;
      long actual = 0;
      for (int k = 0; k < classes.size(); k++) {
        predicted += matrix[k][c];
        actual += matrix[c][k];
      }
      f1Sum += BinaryMetrics.ratio(2 * tp, predicted + actual);
    }
    return new MulticlassMetrics(labels.size(), (double) correct / labels.size(), f1Sum / classes.size(), classes,
        matrix);
  }
}
