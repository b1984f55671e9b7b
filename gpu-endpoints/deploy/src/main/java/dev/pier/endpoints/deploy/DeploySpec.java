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
 * @param instanceCount initial instances; 0 for an endpoint that scales to zero (the version is an inference
 *     component on it, see {@link #scalesToZero()})
 * @param environment the container's environment (e.g. {@code PIER_DEVICE})
 * @param maxInstances a scale-to-zero endpoint's most instances (its managed instance scaling); else unused
 */
public record DeploySpec(String endpointName, String model, int version, String sha256, String image,
    String modelDataUrl, String roleArn, String instanceType, int instanceCount, Map<String, String> environment,
    int maxInstances) {
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
    if (instanceCount < 0) {
      throw PierException.badRequest("instance count must not be negative, got " + instanceCount);
    }
    if (instanceCount == 0 && maxInstances < 1) {
      throw PierException.badRequest("a scale-to-zero endpoint needs at least 1 as its most instances, got "
          + maxInstances);
    }
    environment = Map.copyOf(environment == null ? Map.of() : environment);
  }

  /** An endpoint with a fixed model (instance count at least 1). */
  public DeploySpec(String endpointName, String model, int version, String sha256, String image, String modelDataUrl,
      String roleArn, String instanceType, int instanceCount, Map<String, String> environment) {
    this(endpointName, model, version, sha256, image, modelDataUrl, roleArn, instanceType, instanceCount, environment,
        Math.max(1, instanceCount));
  }

  /**
   * Whether the endpoint scales to zero instances: SageMaker allows that only for endpoints hosting inference
   * components, so the version is one ({@link #inferenceComponentName()}) on an endpoint whose configuration names no
   * model and lets SageMaker manage the instances from 0 to {@link #maxInstances}.
   */
  public boolean scalesToZero() {
    return instanceCount == 0;
  }

  /** The version's inference component on a scale-to-zero endpoint (named like its SageMaker model). */
  public String inferenceComponentName() {
    return sageMakerModelName();
  }

  /**
   * A scale-to-zero endpoint's configuration: one per endpoint ({@code <endpoint>-ic}), since it names no model — the
   * versions are its inference components.
   */
  public String componentEndpointConfigName() {
    String base = endpointName.length() > 60 ? endpointName.substring(0, 60) : endpointName;
    return base + "-ic";
  }

  /** The SageMaker model (and endpoint configuration) of this version: endpoint, version and artifact digest. */
  public String sageMakerModelName() {
    return dev.pier.registry.Placement.versionedName(endpointName, version, sha256);
  }
}
