package dev.pier.training.jobs;

import dev.pier.kernel.PierException;
import dev.pier.training.datasets.Column;
import dev.pier.training.datasets.DatasetVersion;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A job's declared categorical columns, checked against its features and the dataset's schema before anything runs:
 * each must be one of the job's features, a string or an integer column, and named once. A wrong declaration is a
 * 400 naming the column.
 */
final class Categoricals {
  private Categoricals() {}

  /** The declared columns in declaration order; a 400 naming the first wrong one. */
  static List<String> check(List<String> declared, List<String> features, Set<String> special,
      DatasetVersion version) {
    Set<String> seen = new LinkedHashSet<>();
    for (String name : declared) {
      if (name == null || name.isBlank()) {
        throw PierException.badRequest("categorical lists an empty column name");
      }
      if (!seen.add(name)) {
        throw PierException.badRequest("categorical column '" + name + "' is declared twice");
      }
      if (special.contains(name)) {
        throw PierException.badRequest("categorical column '" + name + "' is the label or a cv column, not a"
            + " feature");
      }
      Column c = version.column(name).orElseThrow(() -> PierException.badRequest("categorical column '" + name
          + "' is not in dataset " + version.ref()));
      if (!features.contains(name)) {
        throw PierException.badRequest("categorical column '" + name + "' is not one of the job's features "
            + features);
      }
      if (!category(c.type())) {
        throw PierException.badRequest("categorical column '" + name + "' is " + c.type() + ": a category must be"
            + " a string or an integer column");
      }
    }
    return List.copyOf(seen);
  }

  private static boolean category(String type) {
    return switch (type.replaceAll("\\(.*", "")) {
      case "VARCHAR", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
          "UBIGINT", "BOOLEAN" -> true;
      default -> false;
    };
  }
}
