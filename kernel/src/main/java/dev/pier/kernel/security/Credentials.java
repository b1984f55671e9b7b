package dev.pier.kernel.security;

import java.util.Locale;
import java.util.function.Function;

/**
 * What a caller presented, read the same way from HTTP headers and gRPC metadata: {@code Authorization: Bearer <JWT
 * or API key>} or {@code X-Api-Key: <API key>}. API keys are told apart from JWTs by their {@code pier_} prefix.
 */
public sealed interface Credentials {
  /** Header (and gRPC metadata key) carrying an API key on its own. */
  String API_KEY_HEADER = "X-Api-Key";
  /** How every Pier API key starts ({@code pier_<id>_<secret>}), which tells one from a JWT in a bearer token. */
  String API_KEY_PREFIX = "pier_";

  record None() implements Credentials {}

  record BearerJwt(String token) implements Credentials {}

  record ApiKey(String key) implements Credentials {}

  /** A header was there but could not be read; the message says why. */
  record Malformed(String problem) implements Credentials {}

  /**
   * Reads credentials through {@code header}, which returns a header's (or gRPC metadata entry's) value by its
   * case-insensitive name, or null.
   */
  static Credentials from(Function<String, String> header) {
    String authorization = header.apply("Authorization");
    String apiKey = header.apply(API_KEY_HEADER);
    if (authorization != null && !authorization.isBlank()) {
      String a = authorization.trim();
      if (!a.toLowerCase(Locale.ROOT).startsWith("bearer ")) {
        return new Malformed("the Authorization header must be 'Bearer <token>'");
      }
      String token = a.substring(7).trim();
      if (token.isEmpty()) {
        return new Malformed("the Authorization header carries an empty bearer token");
      }
      return token.startsWith(API_KEY_PREFIX) ? new ApiKey(token) : new BearerJwt(token);
    }
    if (apiKey != null && !apiKey.isBlank()) {
      return new ApiKey(apiKey.trim());
    }
    return new None();
  }
}
