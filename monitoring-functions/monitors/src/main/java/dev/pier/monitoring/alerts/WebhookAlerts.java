package dev.pier.monitoring.alerts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.registry.events.Webhook;
import dev.pier.registry.events.WebhookDispatcher;
import dev.pier.registry.events.WebhookStore;
import java.util.List;
import java.util.function.Function;

/**
 * Delivers alerts as {@code monitor.alert} events to the registry's webhooks that want them (event list empty or
 * naming {@code monitor.alert}; model unset or the monitor's), through the registry's {@link WebhookDispatcher}: signed,
 * retried with backoff, off the calling thread. The delivery id is the alert's (monitor, window, check, column), so a
 * receiver can de-duplicate retries. Other targets (SNS) are handed to {@code next}.
 */
public final class WebhookAlerts implements AlertDelivery {
  private static final System.Logger LOG = System.getLogger(WebhookAlerts.class.getName());

  private final WebhookStore webhooks;
  private final WebhookDispatcher dispatcher;
  private final Function<Alert, String> json;
  private final AlertDelivery next;

  public WebhookAlerts(WebhookStore webhooks, WebhookDispatcher dispatcher, ObjectMapper mapper, AlertDelivery next) {
    this.webhooks = webhooks;
    this.dispatcher = dispatcher;
    this.json = a -> {
      try {
        return mapper.writeValueAsString(a);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    };
    this.next = next;
  }

  @Override
  public void deliver(List<Alert> alerts, AlertTargets targets) {
    if (alerts.isEmpty()) {
      return;
    }
    if (targets.webhooks()) {
      try {
        List<Webhook> all = webhooks.all();
        for (Alert a : alerts) {
          String body = json.apply(a);
          String delivery = a.monitorId() + "/" + a.windowEnd() + "/" + a.check() + (a.column() == null ? ""
              : "/" + a.column());
          for (Webhook w : all) {
            if ((w.eventTypes().isEmpty() || w.eventTypes().contains(Alert.EVENT))
                && (w.model() == null || w.model().equals(a.model()))) {
              dispatcher.post(w.url(), w.secret(), Alert.EVENT, body, delivery);
            }
          }
        }
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "monitor alerts not delivered to webhooks: " + e);
      }
    }
    next.deliver(alerts, targets);
  }
}
