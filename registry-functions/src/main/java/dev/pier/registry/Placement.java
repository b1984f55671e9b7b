package dev.pier.registry;

import dev.pier.kernel.PierException;
import java.util.regex.Pattern;

/**
 * Where a version runs: {@code function} (in the serving process: the Lambda, the container, the laptop) or
 * {@code endpoint} (a SageMaker endpoint, typically on GPU instances, called through sagemaker-runtime). The
 * instance hints are kept for deployment (the CDK app) and do not change serving.
 *
 * @param endpointName the SageMaker endpoint; null for the default {@code pier-<model>-v<version>}
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

  /** The endpoint this version is served by. */
  public String endpointFor(String model, int version) {
    if (endpointName != null) {
      return endpointName;
    }
    String base = model.replaceAll("[^a-zA-Z0-9]+", "-").replaceAll("^-+|-+$", "");
    String name = "pier-" + base + "-v" + version;
    return name.length() <= 63 ? name : name.substring(0, 52) + "-v" + version;
  }
}
