package dev.pier.registry.events;

import dev.pier.registry.RegistryEvent;
import dev.pier.registry.RegistryListener;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;

/**
 * Publishes every registry change to an EventBridge bus (source {@code dev.pier.registry}, detail-type the event
 * type), where rules route it to other AWS services. A failed put is logged, never fails the change: the change is
 * already durable, and webhooks and the audit history still have it.
 */
public final class EventBridgePublisher implements RegistryListener {
  public static final String SOURCE = "dev.pier.registry";
  private static final System.Logger LOG = System.getLogger(EventBridgePublisher.class.getName());
  private final EventBridgeClient events;
  private final String busName;

  public EventBridgePublisher(EventBridgeClient events, String busName) {
    this.events = events;
    this.busName = busName;
  }

  @Override
  public void changed(RegistryEvent event) {
    try {
      var r = events.putEvents(b -> b.entries(e -> e.eventBusName(busName).source(SOURCE)
          .detailType(event.type()).detail(RegistryEventJson.write(event).toString())));
      if (r.failedEntryCount() != null && r.failedEntryCount() > 0) {
        LOG.log(System.Logger.Level.WARNING, "EventBridge refused " + event.type() + ": "
            + r.entries().get(0).errorMessage());
      }
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "could not publish " + event.type() + " to EventBridge", e);
    }
  }
}
