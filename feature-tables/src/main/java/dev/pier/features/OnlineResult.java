package dev.pier.features;

import java.util.List;

/**
 * The answer of an online read as Feast's feature server gives it: the column names (entity columns first, then the
 * features in the order asked, {@code view__feature} with full feature names), and for each column its values,
 * statuses and event times, one per entity row.
 */
public record OnlineResult(List<String> featureNames, List<Column> columns) {
  /** One column; {@code dtype} is null for an entity column the catalog does not type. */
  public record Column(String name, Dtype dtype, List<FeatureValue> values) {}
}
