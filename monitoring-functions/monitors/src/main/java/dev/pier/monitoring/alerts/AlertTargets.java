package dev.pier.monitoring.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where a monitor's alerts go ({@code alerts}): the registry's signed webhooks that subscribe to {@code monitor.alert}
 * (on by default) and, in AWS, an SNS topic.
 *
 * <pre>{"webhooks": true, "sns_topic_arn": "arn:aws:sns:eu-west-1:123456789012:pier-alerts"}</pre>
 */
public record AlertTargets(boolean webhooks, String snsTopicArn) {
  public static final AlertTargets DEFAULT = new AlertTargets(true, null);
  private static final Set<String> FIELDS = Set.of("webhooks", "sns_topic_arn");
  private static final Pattern SNS_ARN = Pattern.compile("arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_.-]{1,256}");

  public static AlertTargets parse(JsonNode alerts, List<String> problems) {
    if (alerts == null || alerts.isNull()) {
      return DEFAULT;
    }
    if (!alerts.isObject()) {
      problems.add("alerts must be an object: {\"webhooks\": true, \"sns_topic_arn\": \"arn:aws:sns:…\"}");
      return DEFAULT;
    }
    for (Iterator<String> it = alerts.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!FIELDS.contains(f)) {
        problems.add("alerts." + f + " is not a field; alerts has webhooks, sns_topic_arn");
      }
    }
    boolean webhooks = true;
    JsonNode w = alerts.get("webhooks");
    if (w != null && !w.isNull()) {
      if (!w.isBoolean()) {
        problems.add("alerts.webhooks must be true or false");
      } else {
        webhooks = w.asBoolean();
      }
    }
    String arn = null;
    JsonNode a = alerts.get("sns_topic_arn");
    if (a != null && !a.isNull()) {
      if (!a.isTextual() || !SNS_ARN.matcher(a.asText()).matches()) {
        problems.add("alerts.sns_topic_arn must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)");
      } else {
        arn = a.asText();
      }
    }
    return new AlertTargets(webhooks, arn);
  }
}
