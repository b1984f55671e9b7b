package dev.pier.api;

import dev.pier.registry.ApprovalPolicy;
import dev.pier.registry.ModelRegistry;
import dev.pier.tracking.TrackingStore;
import io.quarkus.runtime.Startup;
import jakarta.inject.Singleton;
import java.util.HashSet;

/**
 * The registry's services beyond the core registry: experiment tracking (MLflow runs) and the platform-wide approval
 * policy, set on the registry at start so every path that registers versions sees it.
 */
@Singleton
@Startup
public class RegistryServices {
  private final Platform platform;
  private final TrackingStore tracking;

  public RegistryServices(Platform platform, PierConfig config) {
    this.platform = platform;
    PierConfig.Registry.Approval approval = config.registry().approval();
    platform.registry().setDefaultApprovalPolicy(new ApprovalPolicy(approval.required(), approval.approvals(),
        new HashSet<>(approval.protectedAliases())));
    this.tracking = new TrackingStore(platform.aws().dynamoDb(), config.registry().table(),
        "s3://" + config.registry().artifactsBucket() + "/mlflow");
  }

  public ModelRegistry registry() {
    return platform.registry();
  }

  public TrackingStore tracking() {
    return tracking;
  }

  public Platform platform() {
    return platform;
  }
}
