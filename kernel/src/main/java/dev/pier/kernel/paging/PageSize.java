package dev.pier.kernel.paging;

import dev.pier.kernel.PierException;

/**
 * How many items one page of a listing holds, the same for every listing of Pier's API: query parameter
 * {@value #PARAM}, from 1 to {@value #MAX}, {@value #DEFAULT} when absent; anything else is a 400 naming the parameter,
 * its bounds and the value sent. (The MLflow-compatible routes keep MLflow's own defaults and bounds.)
 */
public record PageSize(int value) {
  /** The query parameter, as MLflow names it. */
  public static final String PARAM = "max_results";
  public static final int DEFAULT = 100;
  public static final int MAX = 1000;

  public PageSize {
    if (value < 1 || value > MAX) {
      throw invalid(Integer.toString(value));
    }
  }

  /** The page size a request asked for: {@code text} is the query parameter's value, null when it sent none. */
  public static PageSize parse(String text) {
    if (text == null || text.isBlank()) {
      return new PageSize(DEFAULT);
    }
    try {
      return new PageSize(Integer.parseInt(text.trim()));
    } catch (NumberFormatException e) {
      throw invalid(text);
    }
  }

  private static PierException invalid(String sent) {
    return PierException.badRequest(PARAM + " must be an integer from 1 to " + MAX + ", got '" + sent + "'");
  }
}
