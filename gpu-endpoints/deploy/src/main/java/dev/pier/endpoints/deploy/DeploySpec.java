package dev.pier.endpoints.deploy;

import dev.pier.kernel.PierException;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One version on one SageMaker endpoint.
 *
 * @param endpointName the endpoint (the version's placement names it, {@code pier-<model>-v<n>} by default)
 * @param model the registry model
 * @param version the registry version
 * @param sha256 the artifact's SHA-256: part of the SageMaker model's name, so a name never means two artifacts
 * @param image Pier's endpoint image (ECR URI)
 * @param modelDataUrl {@code s3://…/model.tar.gz} holding the artifact and {@code metadata.json}
 * @param roleArn the endpoint's execution role
 * @param instanceType e.g. {@code ml.g5.xlarge}
 * @param instanceCount initial instances
 * @param environment the container's environment (e.g. {@code PIER_DEVICE})
 */
public record DeploySpec(String endpointName, String model, int version, String sha256, String image,
    String modelDataUrl, String roleArn, String instanceType, int instanceCount, Map<String, String> environment) {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}");

  public DeploySpec {
    if (endpointName == null || !NAME.matcher(endpointName).matches()) {
      throw PierException.badRequest("endpoint name must be 1-63 letters, digits and hyphens, got " + endpointName);
    }
    if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
      throw PierException.badRequest("sha256 must be 64 lower-case hex digits");
    }
    if (modelDataUrl == null || !modelDataUrl.startsWith("s3://")) {
      throw PierException.badRequest("modelDataUrl must be an s3:// URI, got " + modelDataUrl);
    }
    if (instanceType == null || !instanceType.startsWith("ml.")) {
      throw PierException.badRequest("instance type must be a SageMaker ml.* type, got " + instanceType);
    }
    if (instanceCount < 1) {
      throw PierException.badRequest("instance count must be at least 1, got " + instanceCount);
    }
    environment = Map.copyOf(environment == null ? Map.of() : environment);
  }

  /** The SageMaker model (and endpoint configuration) of this version: endpoint, version and artifact digest. */
  public String sageMakerModelName() {
    String suffix = "-v" + version + "-" + sha256.substring(0, 8);
    String base = endpointName.length() + suffix.length() > 63
        ? endpointName.substring(0, 63 - suffix.length()) : endpointName;
    return base + suffix;
  }
}
