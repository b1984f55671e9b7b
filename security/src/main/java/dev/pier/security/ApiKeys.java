package dev.pier.security;

import dev.pier.kernel.security.Principal;
import dev.pier.kernel.security.Permission;
import dev.pier.kernel.security.AccessDenied;
import dev.pier.kernel.security.Credentials;
import dev.pier.kernel.security.Grant;
import dev.pier.kernel.aws.DynamoTables;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeyType;

/**
 * API keys in DynamoDB, stored only as a random salt and HMAC-SHA256(salt, secret): the key itself is shown once,
 * when created, and never stored or logged. A key reads {@code pier_<id>_<secret>}; the id finds the item with one
 * strongly consistent read per request, so a revoked key fails at once on every server. The secret is 256 random
 * bits, so a fast salted hash is enough (slow password hashes guard low-entropy secrets).
 *
 * <p>Table layout: partition key {@code id} (S); attributes {@code name}, {@code salt}, {@code hash}, {@code grants}
 * (list of grant strings), {@code ratePerSecond}, {@code createdAt}, {@code createdBy}, {@code revokedAt}.
 */
public final class ApiKeys {
  public static final String PREFIX = Credentials.API_KEY_PREFIX;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789".toCharArray();
  /** What {@link #create} hands out: a 12-character id from {@link #ID_ALPHABET}, 32 bytes in unpadded base64url. */
  private static final Pattern SHAPE = Pattern.compile("pier_([a-km-np-z2-9]{12})_([A-Za-z0-9_-]{43})");
  private final DynamoDbClient dynamo;
  private final String table;

  /** What is known about a key; never its secret. */
  public record Info(String id, String name, List<Grant> grants, double ratePerSecond, Instant createdAt,
      String createdBy, Instant revokedAt) {
    public boolean revoked() {
      return revokedAt != null;
    }
  }

  /** A new key: {@code key} is the only copy of the secret. */
  public record Created(Info info, String key) {}

  public ApiKeys(DynamoDbClient dynamo, String table) {
    this.dynamo = dynamo;
    this.table = table;
  }

  public static void createTableIfMissing(DynamoDbClient dynamo, String table) {
    DynamoTables.createIfMissing(dynamo, table, b -> b.attributeDefinitions(DynamoTables.string("id"))
        .keySchema(DynamoTables.key("id", KeyType.HASH)), null);
  }

  /**
   * A new key for {@code creator}, who must hold every grant it hands on ({@link Gatekeeper#authorizeGranting}: a
   * 403 otherwise). The check lives here, in the one way keys are made, so no front end can skip it.
   */
  public Created create(String name, List<Grant> grants, double ratePerSecond, Principal creator) {
    if (name == null || !name.matches("[A-Za-z0-9._ -]{1,64}")) {
      throw new IllegalArgumentException("name must be 1 to 64 letters, digits, spaces, '.', '_' or '-'");
    }
    if (grants.isEmpty()) {
      throw new IllegalArgumentException("a key needs at least one role or permission");
    }
    Gatekeeper.authorizeGranting(creator, grants, ratePerSecond);
    String createdBy = creator.id();
    String id = randomId();
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    String secretText = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    Instant now = Instant.now();
    Map<String, AttributeValue> item = new HashMap<>();
    item.put("id", s(id));
    item.put("name", s(name));
    item.put("salt", s(Base64.getEncoder().encodeToString(salt)));
    item.put("hash", s(Base64.getEncoder().encodeToString(hash(salt, secretText))));
    item.put("grants", AttributeValue.fromL(grants.stream().map(g -> s(g.toString())).toList()));
    item.put("ratePerSecond", AttributeValue.fromN(Double.toString(ratePerSecond)));
    item.put("createdAt", s(now.toString()));
    item.put("createdBy", s(createdBy));
    dynamo.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(id)"));
    return new Created(new Info(id, name, grants, ratePerSecond, now, createdBy, null), PREFIX + id + "_" + secretText);
  }

  /** The key's principal; 401 naming the problem when it is malformed, unknown, wrong or revoked. */
  public Principal verify(String key) {
    Matcher parts = SHAPE.matcher(key);
    if (!parts.matches()) {
      // before any lookup: an empty or odd id is no key at all, and the store must not be asked about it
      throw AccessDenied.unauthenticated(key.startsWith(PREFIX)
          ? "malformed API key: Pier keys read pier_<12-character id>_<43-character secret>"
          : "not a Pier API key (they start with '" + PREFIX + "')");
    }
    String id = parts.group(1);
    String secret = parts.group(2);
    var item = dynamo.getItem(b -> b.tableName(table).consistentRead(true).key(Map.of("id", s(id)))).item();
    if (item == null || item.isEmpty()
        || !MessageDigest.isEqual(Base64.getDecoder().decode(item.get("hash").s()),
            hash(Base64.getDecoder().decode(item.get("salt").s()), secret))) {
      throw AccessDenied.unauthenticated("unknown or wrong API key (id " + id + ")");
    }
    Info info = info(item);
    if (info.revoked()) {
      throw AccessDenied.unauthenticated("API key " + id + " was revoked at " + info.revokedAt());
    }
    return new Principal("key:" + id, Principal.Kind.API_KEY, info.grants(), info.ratePerSecond());
  }

  /** Every key, newest first. */
  public List<Info> list() {
    List<Info> out = new ArrayList<>();
    for (var page : dynamo.scanPaginator(b -> b.tableName(table))) {
      page.items().forEach(i -> out.add(info(i)));
    }
    out.sort(Comparator.comparing(Info::createdAt).reversed());
    return out;
  }

  /**
   * Revokes a key for good; revoking twice keeps the first time. Returns null when there is no such key.
   * {@code revoker} must hold every grant the key carries ({@link Gatekeeper#authorizeRevoking}: a 403 otherwise; a key's grants never
   * change, so the check holds until the write). The check lives here, in the one way keys are revoked.
   */
  public Info revoke(String id, Principal revoker) {
    var existing = dynamo.getItem(b -> b.tableName(table).consistentRead(true).key(Map.of("id", s(id)))).item();
    if (existing == null || existing.isEmpty()) {
      return null;
    }
    Gatekeeper.authorizeRevoking(revoker, id, info(existing).grants());
    try {
      dynamo.updateItem(b -> b.tableName(table).key(Map.of("id", s(id)))
          .updateExpression("SET revokedAt = if_not_exists(revokedAt, :now)")
          .conditionExpression("attribute_exists(id)")
          .expressionAttributeValues(Map.of(":now", s(Instant.now().toString()))));
    } catch (ConditionalCheckFailedException e) {
      return null;
    }
    var item = dynamo.getItem(b -> b.tableName(table).consistentRead(true).key(Map.of("id", s(id)))).item();
    return info(item);
  }

  /** Whether any key that is not revoked grants admin on every model. */
  public boolean hasActiveAdmin() {
    return list().stream().anyMatch(k -> !k.revoked()
        && k.grants().stream().anyMatch(g -> g.allows(Permission.KEYS, null)));
  }

  private static Info info(Map<String, AttributeValue> item) {
    List<Grant> grants = item.get("grants").l().stream().map(v -> Grant.parse(v.s())).toList();
    return new Info(item.get("id").s(), item.get("name").s(), grants,
        item.containsKey("ratePerSecond") ? Double.parseDouble(item.get("ratePerSecond").n()) : 0,
        Instant.parse(item.get("createdAt").s()), item.get("createdBy").s(),
        item.containsKey("revokedAt") ? Instant.parse(item.get("revokedAt").s()) : null);
  }

  private static byte[] hash(byte[] salt, String secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(salt, "HmacSHA256"));
      return mac.doFinal(secret.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String randomId() {
    char[] c = new char[12];
    for (int i = 0; i < c.length; i++) {
      c[i] = ID_ALPHABET[RANDOM.nextInt(ID_ALPHABET.length)];
    }
    return new String(c);
  }

  private static AttributeValue s(String v) {
    return AttributeValue.fromS(v);
  }
}
