package dev.pier.features;

/** {@code view:feature}, as Feast writes a feature reference. */
public record FeatureRef(String view, String feature) {
  /** Parses {@code view:feature}; null when the text is not of that form. */
  public static FeatureRef parse(String text) {
    if (text == null) {
      return null;
    }
    int colon = text.indexOf(':');
    if (colon <= 0 || colon == text.length() - 1 || text.indexOf(':', colon + 1) >= 0) {
      return null;
    }
    return new FeatureRef(text.substring(0, colon), text.substring(colon + 1));
  }

  /** {@code view__feature}: the column name with {@code full_feature_names}. */
  public String fullName() {
    return view + "__" + feature;
  }

  @Override
  public String toString() {
    return view + ":" + feature;
  }
}
