package dev.pier.monitoring.alerts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * Delivers alerts to AWS: each to the monitor's SNS topic ({@code alerts.sns_topic_arn}; subject the alert's message,
 * body its JSON) and, when the platform has an event bus, as an EventBridge event (source {@code pier.monitoring},
 * detail-type {@code monitor.alert}, detail the alert's JSON) for rules to route. A failure is logged, never thrown into
 * the run: the alert stays recorded and listed under {@code /api/v1/monitors/{id}/alerts}.
 */
public final class AwsAlerts implements AlertDelivery {
  private static final System.Logger LOG = System.getLogger(AwsAlerts.class.getName());
  /** SNS subjects are at most 100 characters; EventBridge takes at most 10 entries per PutEvents. */
  private static final int SUBJECT = 100;
  private static final int ENTRIES = 10;

  private final SnsClient sns;
  private final EventBridgeClient events;
  private final String eventBus;
  private final ObjectMapper mapper;

  /**
   * @param sns null when no SNS client is available (alerts naming a topic are then only logged)
   * @param eventBus null for no EventBridge delivery
   */
  public AwsAlerts(SnsClient sns, EventBridgeClient events, String eventBus, ObjectMapper mapper) {
    this.sns = sns;
    this.events = events;
    this.eventBus = eventBus;
    this.mapper = mapper;
  }

  @Override
  public void deliver(List<Alert> alerts, AlertTargets targets) {
    if (alerts.isEmpty()) {
      return;
    }
    List<String> bodies = new ArrayList<>(alerts.size());
    for (Alert a : alerts) {
      try {
        bodies.add(mapper.writeValueAsString(a));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
    if (targets.snsTopicArn() != null) {
      for (int i = 0; i < alerts.size(); i++) {
        String subject = alerts.get(i).message().length() <= SUBJECT ? alerts.get(i).message()
            : alerts.get(i).message().substring(0, SUBJECT - 1) + "…";
        String body = bodies.get(i);
        try {
          if (sns == null) {
            throw new IllegalStateException("no SNS client");
          }
          sns.publish(b -> b.topicArn(targets.snsTopicArn()).subject(subject.replaceAll("[\\r\\n]", " "))
              .message(body));
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "monitor alert not published to " + targets.snsTopicArn() + ": " + e);
        }
      }
    }
    if (events != null && eventBus != null) {
      for (int from = 0; from < bodies.size(); from += ENTRIES) {
        List<PutEventsRequestEntry> entries = bodies.subList(from, Math.min(bodies.size(), from + ENTRIES)).stream()
            .map(d -> PutEventsRequestEntry.builder().eventBusName(eventBus).source("pier.monitoring")
                .detailType(Alert.EVENT).detail(d).build()).toList();
        try {
          PutEventsResponse r = events.putEvents(b -> b.entries(entries));
          if (r.failedEntryCount() != null && r.failedEntryCount() > 0) {
            LOG.log(System.Logger.Level.WARNING, r.failedEntryCount() + " monitor alert(s) refused by " + eventBus);
          }
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "monitor alerts not put on " + eventBus + ": " + e);
        }
      }
    }
  }
}
