package dev.pier.experiments.http;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.pier.experiments.Experiment;
import dev.pier.experiments.ExperimentDefinition;
import dev.pier.experiments.Metric;
import java.util.List;
import java.util.Locale;

/** An experiment as the API shows it (snake_case, enums in lower case). */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ExperimentView(String id, String name, String hypothesis, String model, String alias, String layer,
                             String unit, String state, long revision, List<ArmView> arms, MetricsView metrics,
                             DesignView design, String analysis, String correction, boolean cuped,
                             long sampleSizePerArm, Double expectedDurationDays, String seed, String createdAt,
                             String startedAt, String stoppedAt, String stoppedBy, TargetingView targeting,
                             String expectedDurationBasis, Double dailyTraffic, String flag) {

  /** The conditions (a flag rule's shape, all must hold) a request's unit attributes meet to enter; null: none. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record TargetingView(List<ConditionView> conditions) {}

  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record ConditionView(String attribute, String operator, List<com.fasterxml.jackson.databind.JsonNode> values) {}

  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record ArmView(String name, Integer version, String variant, double weight) {}

  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record MetricView(String name, String type, boolean higherIsBetter, Double maxRelativeHarm,
      @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
      String of,
      @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
      Double quantile) {}

  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record MetricsView(MetricView primary, List<MetricView> secondary, List<MetricView> guardrails) {}

  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record DesignView(double alpha, double power, double mde, double baseline, Double baselineSd,
                           Long dailyUnits) {}

  public static ExperimentView of(Experiment e) {
    ExperimentDefinition d = e.definition();
    return new ExperimentView(e.id(), d.name(), d.hypothesis(), d.model(), d.alias(), d.layer(), d.unit(),
        lower(e.state().name()), e.revision(),
        d.arms().stream().map(a -> new ArmView(a.name(), a.version(), a.variant(), a.weight())).toList(),
        new MetricsView(metric(d.primary()), d.secondary().stream().map(ExperimentView::metric).toList(),
            d.guardrails().stream().map(ExperimentView::metric).toList()),
        new DesignView(d.design().alpha(), d.design().power(), d.design().mde(), d.design().baseline(),
            d.design().baselineSd(), d.design().dailyUnits()),
        lower(d.analysis().name()), lower(d.correction().name()).replace('_', '-'), d.cuped(), e.sampleSizePerArm(),
        e.expectedDurationDays(), e.seed(), e.createdAt().toString(),
        e.startedAt() == null ? null : e.startedAt().toString(), e.stoppedAt() == null ? null : e.stoppedAt().toString(),
        e.stoppedBy(), d.targeting().isEmpty() ? null : new TargetingView(d.targeting().stream()
            .map(c -> new ConditionView(c.attribute(), lower(c.operator().name()), c.values())).toList()),
        e.durationBasis(), e.dailyTraffic(), d.flag());
  }

  private static MetricView metric(Metric m) {
    return new MetricView(m.name(), lower(m.type().name()), m.higherIsBetter(), m.maxRelativeHarm(), m.of(),
        m.quantile());
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
