package dev.pier.registry;

import java.util.Locale;

/** The model formats a version's artifact may be in. */
public enum Framework {
  ONNX,
  XGBOOST,
  PYTORCH,
  TENSORFLOW;

  /** The lower-case name used in the API and in storage. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses the API name; null when unknown so the caller can name the field. */
  public static Framework parse(String id) {
    for (Framework f : values()) {
      if (f.id().equals(id)) {
        return f;
      }
    }
    return null;
  }

  public static String ids() {
    return "onnx|xgboost|pytorch|tensorflow";
  }
}
