package dev.pier.registry;

import dev.pier.kernel.PierException;
import java.util.regex.Pattern;

/**
 * Where a version runs: {@code function} (in the serving process: the Lambda, the container, the laptop) or
 * {@code endpoint} (a SageMaker endpoint, typically on GPU instances, called through sagemaker-runtime). The
 * instance hints are kept for deployment (the CDK app) and do not change serving.
 *
 * @param endpointName the SageMaker endpoint; null for the default {@code pier-<model>-v<version>}. The registry lets
 *     only one model's versions use an endpoint (see EndpointClaim).
 */
public record Placement(Kind kind, String endpointName, String instanceType, Integer instanceCount,
    Integer memoryMb) {
  private static final Pattern ENDPOINT_NAME = Pattern.compile("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}");

  public enum Kind {
    FUNCTION,
    ENDPOINT
  }

  public static final Placement FUNCTION = new Placement(Kind.FUNCTION, null, null, null, null);

  public Placement {
    if (kind == null) {
      throw PierException.badRequest("placement.kind must be function or endpoint");
    }
    if (endpointName != null && !ENDPOINT_NAME.matcher(endpointName).matches()) {
      throw PierException.badRequest("placement.endpoint_name '" + endpointName
          + "' is not a SageMaker endpoint name (1-63 letters, digits and hyphens)");
    }
    if (instanceCount != null && instanceCount < 0) {
      throw PierException.badRequest("placement.instance_count must not be negative");
    }
    if (memoryMb != null && memoryMb < 128) {
      throw PierException.badRequest("placement.memory_mb must be at least 128");
    }
  }

  public boolean onEndpoint() {
    return kind == Kind.ENDPOINT;
  }

  /**
   * The endpoint this version is served by: the one named, else {@link #defaultEndpoint}. Which model may use a
   * named endpoint is the registry's rule (see EndpointClaim), not this record's.
   */
  public String endpointFor(String model, int version) {
    return endpointName != null ? endpointName : defaultEndpoint(model, version);
  }

  /**
   * {@code pier-<model>-v<version>}, the model's name with runs of other characters than letters and digits made one
   * hyphen. SageMaker names have at most 63 characters: a longer one keeps the name's first 40 and adds 8 hex digits
   * of the full name's SHA-256, so two long names that share a beginning still get different endpoints.
   */
  public static String defaultEndpoint(String model, int version) {
    String base = slug(model);
    String name = "pier-" + base + "-v" + version;
    if (name.length() <= 63) {
      return name;
    }
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
          .digest(model.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      String hash = java.util.HexFormat.of().formatHex(digest, 0, 4);
      return "pier-" + base.substring(0, 40).replaceAll("-+$", "") + "-" + hash + "-v" + version;
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The model's name as it appears in endpoint names. */
  static String slug(String model) {
    return model.replaceAll("[^a-zA-Z0-9]+", "-").replaceAll("^-+|-+$", "");
  }
}
