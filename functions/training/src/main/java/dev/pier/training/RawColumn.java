package dev.pier.training;

import java.util.Arrays;

/**
 * One column as it is read, cell after cell: numbers (NaN for a missing cell) and, for the group and time columns,
 * also each cell's text. A column that meets a cell which is no number remembers the first such cell, so that the
 * table can say which value in which row made it unusable as a feature or label.
 */
final class RawColumn {
  final String name;
  private final boolean keepText;
  private double[] numbers = new double[1024];
  private String[] texts;
  private int size;
  private long firstTextRow = -1;
  private String firstText;

  RawColumn(String name, boolean keepText) {
    this.name = name;
    this.keepText = keepText;
    this.texts = keepText ? new String[1024] : null;
  }

  void addNumber(double v) {
    grow();
    numbers[size] = v;
    if (keepText) {
      texts[size] = Double.isNaN(v) ? null : v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v)
          : Double.toString(v);
    }
    size++;
  }

  void addMissing() {
    grow();
    numbers[size] = Double.NaN;
    size++;
  }

  /** A cell that is text: a number if it reads as one, else remembered as text. */
  void addText(String s) {
    String t = s.strip();
    if (t.isEmpty() || t.equals("NA") || t.equalsIgnoreCase("nan") || t.equalsIgnoreCase("null")) {
      addMissing();
      return;
    }
    double v;
    if (t.equalsIgnoreCase("true")) {
      v = 1;
    } else if (t.equalsIgnoreCase("false")) {
      v = 0;
    } else {
      try {
        v = Double.parseDouble(t);
      } catch (NumberFormatException e) {
        v = Double.NaN;
        if (firstTextRow < 0) {
          firstTextRow = size;
          firstText = t;
        }
      }
    }
    grow();
    numbers[size] = v;
    if (keepText) {
      texts[size] = t;
    }
    size++;
  }

  private void grow() {
    if (size == numbers.length) {
      numbers = Arrays.copyOf(numbers, size * 2);
      if (keepText) {
        texts = Arrays.copyOf(texts, size * 2);
      }
    }
  }

  int size() {
    return size;
  }

  /** Whether every present cell is a number. */
  boolean numeric() {
    return firstTextRow < 0;
  }

  /** The first cell that is no number, as "row N: 'text'" (rows from 1). */
  String firstNonNumeric() {
    return "row " + (firstTextRow + 1) + ": '" + firstText + "'";
  }

  double number(int row) {
    return numbers[row];
  }

  /** The cell's text (group and time columns only), null when missing. */
  String text(int row) {
    return texts[row];
  }
}
