package dev.pier.local;

import java.io.InputStream;

/** The demo model that local mode registers as {@code demo} (alias {@code production}) at its first start. */
public final class DemoModel {
  public static final String NAME = "demo";
  private static final String RESOURCE = "/dev/pier/local/demo/iris-mlp.onnx";

  private DemoModel() {}

  /** The ONNX bytes of the iris classifier fixture. */
  public static InputStream open() {
    InputStream in = DemoModel.class.getResourceAsStream(RESOURCE);
    if (in == null) {
      throw new IllegalStateException("the demo model " + RESOURCE + " is missing from this build");
    }
    return in;
  }
}
