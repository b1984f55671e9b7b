package dev.pier.registry;

import dev.pier.kernel.PierException;
import java.util.regex.Pattern;

/**
 * Where a version runs: {@code function} (in the serving process: the Lambda, the container, the laptop),
 * {@code endpoint} (a SageMaker endpoint, typically on GPU instances, called through sagemaker-runtime) or {@code ecs}
 * (the ECS GPU service of the CDK app, {@code -c ecsGpu=true}: the endpoint deployer rolls the version out there, and
 * callers in its VPC reach it through its internal load balancer, as do the platform's own routes when
 * {@code pier.endpoints.ecs.url} is set). The instance hints are kept for deployment and do not change serving; for
 * {@code ecs}, {@code endpoint_name} names the ECS service (default: the deployer's) and {@code instance_count} the
 * tasks (one per GPU).
 *
 * @param endpointName the SageMaker endpoint. The registry names it at registration when the request names none
 *     ({@code <prefix>-<model>-v<version>}, see {@link #defaultEndpoint(String, String, int)}); versions stored
 *     before it did have none and are served by {@code pier-<model>-v<version>}. The registry lets only one model's
 *     versions use an endpoint (see EndpointClaim).
 */
public record Placement(Kind kind, String endpointName, String instanceType, Integer instanceCount,
    Integer memoryMb) {
  private static final Pattern ENDPOINT_NAME = Pattern.compile("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}");

  public enum Kind {
    FUNCTION,
    ENDPOINT,
    ECS
  }

  public static final Placement FUNCTION = new Placement(Kind.FUNCTION, null, null, null, null);

  /** The prefix of default endpoint names where none is configured ({@code pier.registry.endpoint-prefix}). */
  public static final String DEFAULT_ENDPOINT_PREFIX = "pier";

  public Placement {
    if (kind == null) {
      throw PierException.badRequest("placement.kind must be function, endpoint or ecs");
    }
    if (kind == Kind.ECS && instanceType != null) {
      throw PierException.badRequest("placement.instance_type is the ECS cluster's (the CDK app's"
          + " ecsGpuInstanceType); leave it out for kind ecs");
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
   * On the ECS GPU service: deployed there by the endpoint deployer; the platform's routes forward its requests to the
   * service's load balancer ({@code pier.endpoints.ecs.url}), or serve it in-process where there is no ECS (local mode).
   */
  public boolean onEcs() {
    return kind == Kind.ECS;
  }

  /**
   * On a SageMaker endpoint that scales to zero ({@code instance_count} 0): the version is an inference component on
   * the endpoint, whose copies Application Auto Scaling takes down to zero when idle and back up when a request finds
   * none (see the README, "Scale to zero").
   */
  public boolean scalesToZero() {
    return kind == Kind.ENDPOINT && instanceCount != null && instanceCount == 0;
  }

  /**
   * The name of what SageMaker runs for one version on {@code endpoint}: its model and endpoint configuration and, on
   * a scale-to-zero endpoint, its inference component — {@code <endpoint>-v<version>-<8 hex digits of the SHA-256>},
   * the endpoint's name cut so the whole fits SageMaker's 63 characters. A name never means two artifacts.
   */
  public static String versionedName(String endpoint, int version, String sha256) {
    String suffix = "-v" + version + "-" + sha256.substring(0, 8);
    String base = endpoint.length() + suffix.length() > 63 ? endpoint.substring(0, 63 - suffix.length()) : endpoint;
    return base + suffix;
  }

  /** The same placement on the named endpoint. */
  public Placement withEndpointName(String name) {
    return new Placement(kind, name, instanceType, instanceCount, memoryMb);
  }

  /**
   * The endpoint this version is served by: the one named, else {@link #defaultEndpoint}. Which model may use a
   * named endpoint is the registry's rule (see EndpointClaim), not this record's.
   */
  public String endpointFor(String model, int version) {
    return endpointName != null ? endpointName : defaultEndpoint(model, version);
  }

  /** {@link #defaultEndpoint(String, String, int)} with the prefix {@code pier}. */
  public static String defaultEndpoint(String model, int version) {
    return defaultEndpoint(DEFAULT_ENDPOINT_PREFIX, model, version);
  }

  /**
   * {@code <prefix>-<model>-v<version>}, the model's name with runs of other characters than letters and digits made
   * one hyphen (in AWS the prefix is the stage's, {@code pier-<stage>}, which its roles may invoke). SageMaker names
   * have at most 63 characters: a longer one keeps as much of the name as fits beside 8 hex digits of the full
   * name's SHA-256, so two long names that share a beginning still get different endpoints.
   */
  public static String defaultEndpoint(String prefix, String model, int version) {
    String base = slug(model);
    String name = prefix + "-" + base + "-v" + version;
    if (name.length() <= 63) {
      return name;
    }
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
          .digest(model.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      String hash = java.util.HexFormat.of().formatHex(digest, 0, 4);
      String suffix = "-" + hash + "-v" + version;
      int keep = Math.min(40, 63 - prefix.length() - 1 - suffix.length());
      return prefix + "-" + base.substring(0, keep).replaceAll("-+$", "") + suffix;
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The model's name as it appears in endpoint names. */
  static String slug(String model) {
    return model.replaceAll("[^a-zA-Z0-9]+", "-").replaceAll("^-+|-+$", "");
  }
}
