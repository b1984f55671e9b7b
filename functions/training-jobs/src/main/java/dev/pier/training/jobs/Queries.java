package dev.pier.training.jobs;

import dev.pier.kernel.PierException;
import dev.pier.training.datasets.DatasetVersion;
import java.util.Map;

/**
 * A ranking job's query column, checked before anything runs: a ranking objective needs one, other objectives take
 * none. A query's rows stay together: the folds are group k-fold on the query column and the holdout takes whole
 * queries. A conflicting {@code cv} or {@code split} is a 400 naming it.
 */
final class Queries {
  private Queries() {}

  /** The job's folds and holdout on the query column. */
  record Grouped(TrainingJobSpec.CvSpec cv, TrainingJobSpec.SplitSpec split) {}

  static Grouped check(String query, boolean ranking, Map<String, Object> params, TrainingJobSpec.CvSpec cv,
      TrainingJobSpec.SplitSpec split, DatasetVersion version) {
    Object objective = params.get("objective");
    if (!ranking) {
      throw PierException.badRequest("query is for ranking objectives (rank:ndcg, rank:pairwise, rank:map), not '"
          + objective + "'");
    }
    if (query == null || query.isBlank()) {
      throw PierException.badRequest("objective '" + objective + "' ranks rows within queries: name the query"
          + " column in 'query' (rows with equal values are one query)");
    }
    if (version.column(query).isEmpty()) {
      throw PierException.badRequest("query column '" + query + "' is not in dataset " + version.ref());
    }
    if (!cv.kind().equals("kfold") && !cv.kind().equals("group")) {
      throw PierException.badRequest("cv.kind " + cv.kind() + " would split queries: a ranking job's folds are group"
          + " k-fold on its query column (leave cv.kind out, or set group)");
    }
    if (cv.group() != null && !cv.group().equals(query)) {
      throw PierException.badRequest("cv.group '" + cv.group() + "' is not the query column '" + query + "'");
    }
    if (cv.time() != null) {
      throw PierException.badRequest("cv.time orders rows by time, which a ranking job's query folds do not take");
    }
    if (!split.mode().equals("random") && !split.mode().equals("group")) {
      throw PierException.badRequest("split.mode " + split.mode() + " would split queries: a ranking job holds out"
          + " whole queries (leave split.mode out, or set group)");
    }
    return new Grouped(new TrainingJobSpec.CvSpec(cv.folds(), "group", query, null, cv.shuffle()),
        new TrainingJobSpec.SplitSpec(split.holdout(), "group"));
  }
}
