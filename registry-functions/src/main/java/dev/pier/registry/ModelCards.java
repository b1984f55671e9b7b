package dev.pier.registry;

import static dev.pier.registry.RegistryItems.n;

import dev.pier.kernel.PierException;
import java.time.Instant;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Model cards: one per version, an item of its own ({@code CARD#<version>}) so version reads stay small, written
 * conditionally on its revision (the card's ETag).
 */
public final class ModelCards {
  /** DynamoDB caps an item at 400 KB; a card stays well under it. */
  static final int MAX_CARD_CHARS = 100_000;

  private final RegistryStore store;
  private final Versions versions;

  ModelCards(RegistryStore store, Versions versions) {
    this.store = store;
    this.versions = versions;
  }

  /**
   * Writes a version's model card, conditional on {@code expectedRevision} when given (412 when the card changed
   * since; 0 for "no card yet"). 400 when the card's text exceeds {@value #MAX_CARD_CHARS} characters.
   */
  public ModelCard put(String model, int version, ModelCard card, Long expectedRevision, String actor) {
    versions.version(model, version);
    int size = length(card.markdown()) + length(card.intendedUse()) + length(card.limitations())
        + length(card.evaluationData()) + length(card.fairnessNotes());
    if (size > MAX_CARD_CHARS) {
      throw PierException.badRequest("a model card holds at most " + MAX_CARD_CHARS + " characters, got " + size);
    }
    ModelCard current = cardOrNull(model, version);
    long revision = current == null ? 0 : current.revision();
    if (expectedRevision != null && expectedRevision != revision) {
      throw RegistryStore.preconditionFailed("the card of version " + version + " of model '" + model
          + "' is at revision " + revision + ", not " + expectedRevision);
    }
    Instant now = Instant.now();
    ModelCard stored = new ModelCard(card.markdown(), card.intendedUse(), card.limitations(), card.evaluationData(),
        card.evaluationResults(), card.fairnessNotes(), actor, now, revision + 1);
    Map<String, AttributeValue> item = RegistryItems.cardItem(model, version, stored);
    try {
      store.dynamo.putItem(b -> b.tableName(store.table).item(item).conditionExpression(current == null
          ? "attribute_not_exists(pk)" : "revision = :r").expressionAttributeValues(current == null ? null
          : Map.of(":r", n(revision))));
    } catch (ConditionalCheckFailedException e) {
      throw RegistryStore.preconditionFailed("the card of version " + version + " of model '" + model
          + "' changed while it was being written; read it again");
    }
    store.publish(new RegistryEvent("card.updated", model, version, null, actor, now,
        Map.of("revision", Long.toString(stored.revision()))));
    return stored;
  }

  /** A version's model card; 404 when the version or its card does not exist. */
  public ModelCard get(String model, int version) {
    versions.version(model, version);
    ModelCard card = cardOrNull(model, version);
    if (card == null) {
      throw PierException.notFound("version " + version + " of model '" + model + "' has no model card");
    }
    return card;
  }

  private ModelCard cardOrNull(String model, int version) {
    Map<String, AttributeValue> item = store.get(RegistryItems.cardKey(model, version));
    return item == null ? null : RegistryItems.toCard(item);
  }

  private static int length(String s) {
    return s == null ? 0 : s.length();
  }
}
