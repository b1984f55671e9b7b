package dev.pier.features;

import java.util.Locale;

/** The kinds of definitions the registry stores and versions. */
public enum Kind {
  ENTITY("entities"), SOURCE("sources"), FEATURE_VIEW("feature_views"), FEATURE_SERVICE("feature_services"),
  ON_DEMAND_FEATURE_VIEW("on_demand_feature_views");

  private final String section;

  Kind(String section) {
    this.section = section;
  }

  /** The document's section for this kind. */
  public String section() {
    return section;
  }

  /** {@code entity}, {@code source}, {@code feature_view}, {@code feature_service}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Kind of(Object definition) {
    return switch (definition) {
      case Entity e -> ENTITY;
      case DataSource s -> SOURCE;
      case FeatureView v -> FEATURE_VIEW;
      case FeatureService s -> FEATURE_SERVICE;
      case OnDemandFeatureView v -> ON_DEMAND_FEATURE_VIEW;
      default -> throw new IllegalArgumentException("not a definition: " + definition);
    };
  }
}
