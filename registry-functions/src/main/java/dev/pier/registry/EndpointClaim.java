package dev.pier.registry;

import dev.pier.kernel.PierException;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

/**
 * An endpoint belongs to one model: the first version placed on it claims it for its model, and versions of any
 * other model are refused (409). Without this, a key allowed to register one model could place a version on another
 * model's endpoint and read that model's predictions through its own name (and, locally, make the endpoint serve its
 * artifact to the other model's callers). Names of the default form {@code pier-<model>-v<n>} are moreover reserved
 * for the model they name, claimed or not, so versions registered before claims existed are covered too.
 *
 * <p>The claim item ({@code pk = ENDPOINT#<name>, sk = ENDPOINT}) is written in the version's creation transaction,
 * conditional on being absent or already the same model's.
 */
record EndpointClaim(String endpoint, String model) {
  /**
   * The claim a new version makes; null for one served in the process.
   *
   * @param prefix the prefix of default endpoint names ({@link Placement#defaultEndpoint(String, String, int)})
   */
  static EndpointClaim of(ModelVersion v, String prefix) {
    if (!v.onEndpoint()) {
      return null;
    }
    EndpointClaim claim = new EndpointClaim(v.placement().endpointFor(v.model(), v.version()), v.model());
    claim.checkName(prefix);
    if (!prefix.equals(Placement.DEFAULT_ENDPOINT_PREFIX) && !claim.endpoint.startsWith(prefix + "-")) {
      claim.checkName(Placement.DEFAULT_ENDPOINT_PREFIX); // the names of versions stored before prefixes
    }
    return claim;
  }

  /** 409 when the name is another model's default endpoint name under {@code prefix}. */
  private void checkName(String prefix) {
    Matcher m = Pattern.compile(Pattern.quote(prefix) + "-(.+)-v[0-9]+").matcher(endpoint);
    if (m.matches() && !endpoint.equals(Placement.defaultEndpoint(prefix, model, versionOf(endpoint)))
        && !m.group(1).equals(Placement.slug(model))) {
      throw refused();
    }
  }

  private static int versionOf(String name) {
    String digits = name.substring(name.lastIndexOf("-v") + 2);
    return digits.length() > 9 ? -1 : Integer.parseInt(digits);
  }

  PierException refused() {
    return PierException.conflict("placement.endpoint_name '" + endpoint + "' is another model's endpoint; versions"
        + " of '" + model + "' go on its own endpoints");
  }

  Map<String, AttributeValue> key() {
    return Map.of(RegistryTable.PK, AttributeValue.fromS("ENDPOINT#" + endpoint),
        RegistryTable.SK, AttributeValue.fromS("ENDPOINT"));
  }

  TransactWriteItem write(String table) {
    Map<String, AttributeValue> item = new HashMap<>(key());
    item.put("model", AttributeValue.fromS(model));
    return TransactWriteItem.builder().put(p -> p.tableName(table).item(item)
        .conditionExpression("attribute_not_exists(pk) OR #m = :model")
        .expressionAttributeNames(Map.of("#m", "model"))
        .expressionAttributeValues(Map.of(":model", AttributeValue.fromS(model)))).build();
  }
}
