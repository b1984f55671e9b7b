package dev.pier.endpoints.deploy;

import dev.pier.kernel.PierException;
import java.util.Map;

/**
 * One version on the ECS GPU service.
 *
 * @param cluster the ECS cluster ({@code pier-<stage>-gpu} in the CDK app)
 * @param service the ECS service the version replaces the model of
 * @param model the registry model
 * @param version the registry version
 * @param sha256 the artifact's SHA-256: verified by the container after download, and part of the family's name
 * @param artifactUri {@code s3://…} of the artifact as it lies in Pier's store
 * @param metadata the registration metadata the container reads ({@code PIER_METADATA})
 * @param desiredCount tasks (one per GPU)
 * @param memoryMb the container's memory reservation; null keeps the service's
 */
public record EcsSpec(String cluster, String service, String model, int version, String sha256, String artifactUri,
    String metadata, int desiredCount, Integer memoryMb) {

  public EcsSpec {
    if (cluster == null || cluster.isBlank() || service == null || service.isBlank()) {
      throw PierException.badRequest("the ECS placement needs a cluster and a service");
    }
    if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
      throw PierException.badRequest("sha256 must be 64 lower-case hex digits");
    }
    if (artifactUri == null || !artifactUri.startsWith("s3://")) {
      throw PierException.badRequest("the artifact must be an s3:// URI, got " + artifactUri);
    }
    if (desiredCount < 1) {
      throw PierException.badRequest("placement.instance_count must be at least 1 on ECS, got " + desiredCount);
    }
  }

  /**
   * The version's task definition family: {@code <service>-v<version>-<8 hex digits of the SHA-256>}, at most 255
   * characters of letters, digits, hyphens and underscores (ECS's rule), so a family never means two artifacts.
   */
  public String family() {
    String suffix = "-v" + version + "-" + sha256.substring(0, 8);
    String base = service.replaceAll("[^A-Za-z0-9_-]", "-");
    return (base.length() + suffix.length() > 255 ? base.substring(0, 255 - suffix.length()) : base) + suffix;
  }

  /** The endpoint container's environment for this version (what {@code EndpointMain} reads). */
  public Map<String, String> environment() {
    return Map.of("PIER_ARTIFACT", artifactUri, "PIER_ARTIFACT_SHA256", sha256, "PIER_METADATA", metadata,
        "PIER_MODEL_NAME", model, "PIER_MODEL_VERSION", Integer.toString(version));
  }
}
