package dev.pier.api.registry;

import dev.pier.security.Gatekeeper;
import dev.pier.api.PierConfig;
import dev.pier.kernel.aws.AwsClients;
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
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.HashSet;
import java.util.List;

/**
 * Wires the registry's services beyond the core registry and produces them for injection: experiment tracking (MLflow
 * runs), webhooks and their signed delivery (shared with async callbacks), the outbound URL policy, and the
 * platform-wide approval policy and event publishers, set on the registry at start so every path that registers
 * versions sees them.
 */
@Singleton
@Startup
public class RegistryWiring {
  private final TrackingStore tracking;
  private final WebhookStore webhooks;
  private final WebhookDispatcher dispatcher;
  private final OutboundUrlPolicy outbound;
  private software.amazon.awssdk.services.eventbridge.EventBridgeClient eventBridge;

  public RegistryWiring(ModelRegistry registry, AwsClients aws, PierConfig config, Gatekeeper gatekeeper,
      OutboundConfig outboundConfig) {
    PierConfig.Registry.Approval approval = config.registry().approval();
    registry.setDefaultApprovalPolicy(new ApprovalPolicy(approval.required(), approval.approvals(),
        new HashSet<>(approval.protectedAliases())));
    registry.nameEndpointsWith(config.registry().endpointPrefix());
    this.tracking = new TrackingStore(aws.dynamoDb(), config.registry().table(),
        "s3://" + config.registry().artifactsBucket() + "/mlflow");
    // plain http only where nobody but the local user can register a URL: local mode with authentication off
    this.outbound = OutboundUrlPolicy.of(!gatekeeper.authRequired(),
        outboundConfig.allowedHosts().orElse(List.of()));
    this.webhooks = new WebhookStore(aws.dynamoDb(), config.registry().table(), outbound);
    this.dispatcher = new WebhookDispatcher(webhooks, config.registry().events().webhookAttempts(),
        config.registry().events().webhookBackoff(), outbound);
    registry.addListener(dispatcher);
    config.registry().events().eventBusName().ifPresent(bus -> {
      eventBridge = aws.client(software.amazon.awssdk.services.eventbridge.EventBridgeClient.builder(), null);
      registry.addListener(new EventBridgePublisher(eventBridge, bus));
      Log.infof("registry events go to EventBridge bus %s", bus);
    });
  }

  @Produces
  @Singleton
  WebhookStore webhooks() {
    return webhooks;
  }

  /** Which URLs Pier calls out to: webhooks, async callbacks, any later one. */
  @Produces
  @Singleton
  OutboundUrlPolicy outbound() {
    return outbound;
  }

  /** Signed, retried delivery, shared by webhooks and async prediction callbacks. */
  @Produces
  @Singleton
  WebhookDispatcher dispatcher() {
    return dispatcher;
  }

  @PreDestroy
  void close() {
    dispatcher.close();
    if (eventBridge != null) {
      eventBridge.close();
    }
  }

  @Produces
  @Singleton
  TrackingStore tracking() {
    return tracking;
  }
}
