package dev.pier.experiments.results;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * An experiment's results (the body of {@code GET /api/v1/experiments/{id}/results}). Numbers that cannot be computed
 * (a relative lift over a zero control mean, a test with fewer than two units in an arm) are null.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ExperimentResults(String analysis, List<ArmUnits> arms, Srm srm, List<MetricResult> metrics,
                                List<SeriesPoint> series, Events events, HoldoutResult holdout,
                                @com.fasterxml.jackson.annotation.JsonInclude(
                                    com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) Feedback feedback) {

  public ExperimentResults(String analysis, List<ArmUnits> arms, Srm srm, List<MetricResult> metrics,
      List<SeriesPoint> series, Events events, HoldoutResult holdout) {
    this(analysis, arms, srm, metrics, series, events, holdout, null);
  }

  /** These results with the experiment's feedback join reported (null: it measures no feedback). */
  public ExperimentResults withFeedback(Feedback feedback) {
    return new ExperimentResults(analysis, arms, srm, metrics, series, events, holdout, feedback);
  }

  /**
   * The ground truth joined to this experiment's predictions, for its feedback metrics: {@code predictions} routed
   * predictions kept for the join, {@code joined} labelled rows turned into events, {@code waiting} labels whose
   * prediction has not arrived (or was never routed by this experiment: a label goes to every experiment measuring
   * feedback), {@code unusable} joined labels that gave no value (a string label for {@code label}, a prediction
   * without a value). A label sent again for a joined row is not counted twice.
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Feedback(long predictions, long joined, long waiting, long unusable) {}

  /**
   * The units a holdout kept out of this experiment (served the alias's own version), null when there were none: per
   * metric their {@code n} and {@code mean}, and {@code exposed}, every arm's units pooled compared with them (lift,
   * interval, p-value by the experiment's analysis; {@code arm} is {@code "all arms"}).
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record HoldoutResult(long units, List<HoldoutMetric> metrics) {}

  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record HoldoutMetric(String metric, String role, long n, double mean, Comparison exposed) {}

  /** Units exposed per arm, and the share the weights promised. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record ArmUnits(String arm, long units, double weight) {}

  /** Sample ratio mismatch: chi-squared test of units against weights; flagged at p < 0.001. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Srm(double chiSquared, double pValue, boolean flagged) {}

  /** One metric: per arm its units and mean, and each treatment arm compared with control. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record MetricResult(String metric, String role, String type, boolean cuped, List<ArmMetric> arms,
                             List<Comparison> comparisons) {}

  /**
   * One arm's metric: {@code n} units and their {@code mean}; for a percentile metric, {@code n} is the number of
   * events ranked, {@code mean} their mean and {@code percentile} the metric's quantile of them (null otherwise).
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
  public record ArmMetric(String arm, long n, double mean, Double percentile) {

    public ArmMetric(String arm, long n, double mean) {
      this(arm, n, mean, null);
    }
  }

  /**
   * Treatment {@code arm} against control: absolute {@code lift} with {@code ci}, {@code relativeLift} with
   * {@code relativeCi}, the p-value (always-valid for a sequential analysis; {@code adjustedPValue} after the
   * correction across secondary metrics), chance to win and expected loss of shipping treatment (in the metric's
   * units; "win" follows the metric's direction), whether it is significant at alpha, and for a guardrail whether it
   * is breached.
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Comparison(String arm, Double lift, List<Double> ci, Double relativeLift, List<Double> relativeCi,
                           Double pValue, @JsonProperty("adjusted_p_value") Double adjustedPValue, Double chanceToWin, Double expectedLoss,
                           boolean significant, Boolean breached) {}

  /** The primary metric's cumulative estimate at the end of a UTC day (first treatment arm against control). */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record SeriesPoint(String date, long units, Double relativeLift, List<Double> relativeCi, Double pValue,
                            Double chanceToWin) {}

  /** What became of the events: counted, used as CUPED covariate, held (unit not yet exposed), dropped. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Events(long counted, long covariate, long heldBeforeExposure, long dropped, long multipleExposures) {}
}
