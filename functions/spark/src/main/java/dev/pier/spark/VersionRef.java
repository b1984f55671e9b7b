package dev.pier.spark;

/**
 * What a job scores with: {@code model@alias}, {@code model/version} or {@code model} (alias {@code production}).
 * The reference passed to the registry's resolver is the alias or the version number, as {@code /predict} takes it.
 */
record VersionRef(String model, String reference) {
  static VersionRef parse(String ref) {
    if (ref == null || ref.isBlank()) {
      throw new IllegalArgumentException("a version to score with is needed: 'model@alias' or 'model/version'");
    }
    int at = ref.indexOf('@');
    int slash = ref.indexOf('/');
    if (at >= 0 && slash >= 0) {
      throw new IllegalArgumentException("'" + ref + "' names both an alias and a version: use 'model@alias' or"
          + " 'model/version'");
    }
    int cut = at >= 0 ? at : slash;
    if (cut < 0) {
      return new VersionRef(ref, "production");
    }
    String model = ref.substring(0, cut);
    String reference = ref.substring(cut + 1);
    if (model.isEmpty() || reference.isEmpty()) {
      throw new IllegalArgumentException("'" + ref + "' is not 'model@alias' or 'model/version'");
    }
    if (slash >= 0 && !reference.matches("[1-9][0-9]{0,9}")) {
      throw new IllegalArgumentException("'" + ref + "': a version is a positive number");
    }
    return new VersionRef(model, reference);
  }

  @Override
  public String toString() {
    return reference.matches("[0-9]+") ? model + "/" + reference : model + "@" + reference;
  }
}
