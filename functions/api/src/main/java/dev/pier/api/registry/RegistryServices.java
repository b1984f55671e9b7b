package dev.pier.api.registry;

import dev.pier.api.PierConfig;
import dev.pier.api.Security;
import dev.pier.api.platform.Platform;
import dev.pier.api.security.OutboundConfig;

import dev.pier.security.outbound.OutboundUrlPolicy;
import dev.pier.registry.ApprovalPolicy;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.events.EventBridgePublisher;
import dev.pier.registry.events.WebhookDispatcher;
import dev.pier.registry.events.WebhookStore;
import dev.pier.tracking.TrackingStore;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.HashSet;
import java.util.List;

/**
 * The registry's services beyond the core registry: experiment tracking (MLflow runs) and the platform-wide approval
 * policy, set on the registry at start so every path that registers versions sees it.
 */
@Singleton
@Startup
public class RegistryServices {
  private final Platform platform;
  private final TrackingStore tracking;
  private final WebhookStore webhooks;
  private final WebhookDispatcher dispatcher;
  private final OutboundUrlPolicy outbound;
  private software.amazon.awssdk.services.eventbridge.EventBridgeClient eventBridge;

  public RegistryServices(Platform platform, PierConfig config, Security security, OutboundConfig outboundConfig) {
    this.platform = platform;
    PierConfig.Registry.Approval approval = config.registry().approval();
    platform.registry().setDefaultApprovalPolicy(new ApprovalPolicy(approval.required(), approval.approvals(),
        new HashSet<>(approval.protectedAliases())));
    platform.registry().nameEndpointsWith(config.registry().endpointPrefix());
    this.tracking = new TrackingStore(platform.aws().dynamoDb(), config.registry().table(),
        "s3://" + config.registry().artifactsBucket() + "/mlflow");
    // plain http only where nobody but the local user can register a URL: local mode with authentication off
    this.outbound = OutboundUrlPolicy.of(!security.gatekeeper().authRequired(),
        outboundConfig.allowedHosts().orElse(List.of()));
    this.webhooks = new WebhookStore(platform.aws().dynamoDb(), config.registry().table(), outbound);
    this.dispatcher = new WebhookDispatcher(webhooks, config.registry().events().webhookAttempts(),
        config.registry().events().webhookBackoff(), outbound);
    platform.registry().addListener(dispatcher);
    config.registry().events().eventBusName().ifPresent(bus -> {
      eventBridge = platform.aws().client(software.amazon.awssdk.services.eventbridge.EventBridgeClient.builder(), null);
      platform.registry().addListener(new EventBridgePublisher(eventBridge, bus));
      Log.infof("registry events go to EventBridge bus %s", bus);
    });
  }

  public WebhookStore webhooks() {
    return webhooks;
  }

  /** Which URLs Pier calls out to: webhooks, async callbacks, any later one. */
  public OutboundUrlPolicy outbound() {
    return outbound;
  }

  /** Signed, retried delivery, shared by webhooks and async prediction callbacks. */
  public WebhookDispatcher dispatcher() {
    return dispatcher;
  }

  @PreDestroy
  void close() {
    dispatcher.close();
    if (eventBridge != null) {
      eventBridge.close();
    }
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
