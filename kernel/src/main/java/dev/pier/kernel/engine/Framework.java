package dev.pier.kernel.engine;

import java.util.Locale;

/**
 * The model formats a version's artifact may be in, and so which engine loads it: the key of the engine SPI
 * ({@code dev.pier.runtime.InferenceEngine} and its providers). It sits in the kernel rather than next to the rest
 * of the SPI in functions/runtime because the registry records it on every version, and the registry may not depend
 * on serving code.
 */
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
