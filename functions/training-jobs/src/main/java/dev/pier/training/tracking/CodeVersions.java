package dev.pier.training.tracking;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * What trained a model, as run tags: Pier's version (the training library's jar), xgboost4j's and Java's. Read once
 * from the jars' Maven descriptors ({@code META-INF/maven/<group>/<artifact>/pom.properties}); a library run from a
 * class directory, with no descriptor, is tagged {@code unknown}.
 */
public final class CodeVersions {
  private static final Map<String, String> TAGS = read();

  private CodeVersions() {}

  /** {@code pier.version}, {@code pier.library.xgboost4j}, {@code pier.library.java}. */
  public static Map<String, String> tags() {
    return TAGS;
  }

  private static Map<String, String> read() {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("pier.version", version("dev.pier", "pier-training"));
    out.put("pier.library.xgboost4j", version("ml.dmlc", "xgboost4j_2.12"));
    out.put("pier.library.java", System.getProperty("java.version"));
    return Map.copyOf(out);
  }

  static String version(String group, String artifact) {
    String path = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
    try (InputStream in = CodeVersions.class.getResourceAsStream(path)) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
