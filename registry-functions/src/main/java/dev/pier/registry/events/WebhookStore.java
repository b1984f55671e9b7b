package dev.pier.registry.events;

import dev.pier.kernel.PierException;
import dev.pier.registry.RegistryTable;
import dev.pier.security.outbound.OutboundUrlPolicy;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/** Registered webhooks, in the registry table: {@code pk = WEBHOOK, sk = <id>}. */
public final class WebhookStore {
  private static final SecureRandom RANDOM = new SecureRandom();
  private final DynamoDbClient dynamo;
  private final String table;
  private final OutboundUrlPolicy outbound;

  public WebhookStore(DynamoDbClient dynamo, String table, OutboundUrlPolicy outbound) {
    this.dynamo = dynamo;
    this.table = table;
    this.outbound = outbound;
  }

  /** Registers a webhook; without a secret one is generated (and returned once, here). */
  public Webhook create(String url, String secret, Set<String> eventTypes, String model) {
    outbound.check(url, "url"); // https, and no internal address unless allow-listed (checked again at delivery)
    String key = secret != null && !secret.isEmpty() ? secret : newSecret();
    Webhook w = new Webhook(UUID.randomUUID().toString(), url, key, eventTypes, model);
    Map<String, AttributeValue> item = new HashMap<>();
    item.put(RegistryTable.PK, AttributeValue.fromS("WEBHOOK"));
    item.put(RegistryTable.SK, AttributeValue.fromS(w.id()));
    item.put("url", AttributeValue.fromS(url));
    item.put("secret", AttributeValue.fromS(key));
    if (!w.eventTypes().isEmpty()) {
      item.put("eventTypes", AttributeValue.fromSs(new ArrayList<>(w.eventTypes())));
    }
    if (model != null) {
      item.put("model", AttributeValue.fromS(model));
    }
    dynamo.putItem(b -> b.tableName(table).item(item));
    return w;
  }

  public List<Webhook> all() {
    List<Webhook> out = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse r = dynamo.query(b -> b.tableName(table).keyConditionExpression("pk = :p")
          .expressionAttributeValues(Map.of(":p", AttributeValue.fromS("WEBHOOK"))).exclusiveStartKey(from));
      for (Map<String, AttributeValue> i : r.items()) {
        out.add(new Webhook(i.get("sk").s(), i.get("url").s(), i.get("secret").s(),
            i.containsKey("eventTypes") ? new HashSet<>(i.get("eventTypes").ss()) : Set.of(),
            i.containsKey("model") ? i.get("model").s() : null));
      }
      start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
    } while (start != null);
    return out;
  }

  public void delete(String id) {
    try {
      dynamo.deleteItem(b -> b.tableName(table).key(Map.of(RegistryTable.PK, AttributeValue.fromS("WEBHOOK"),
          RegistryTable.SK, AttributeValue.fromS(id))).conditionExpression("attribute_exists(pk)"));
    } catch (software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException e) {
      throw PierException.notFound("no webhook '" + id + "'");
    }
  }

  private static String newSecret() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
