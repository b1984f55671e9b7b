package dev.pier.console;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A test-only OAuth2/OIDC identity provider in the shape of Cognito's hosted UI: {@code /oauth2/authorize} sends the
 * browser straight back to {@code redirect_uri} with a one-time code (the user is taken as signed in),
 * {@code /oauth2/token} exchanges the code for an RS256-signed access token only when the PKCE {@code code_verifier}
 * hashes to the authorize request's {@code code_challenge}, and {@link #jwks()} is its public key as a JWK set (the
 * API reads it from a file: the JWT check takes a local file or an https URL). Signing uses the JDK only.
 */
final class IdentityStandIn implements AutoCloseable {
  static final String CLIENT_ID = "pier-console-test";
  private final KeyPair keys;
  private final String kid = UUID.randomUUID().toString();
  private final HttpServer server;
  /** Codes not yet exchanged: the challenge and client they were issued for. */
  private final Map<String, String[]> codes = new ConcurrentHashMap<>();
  private volatile String username = "alice";

  IdentityStandIn() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    keys = generator.generateKeyPair();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/oauth2/authorize", this::authorize);
    server.createContext("/oauth2/token", this::token);
    server.start();
  }

  /** The issuer, also the hosted UI's domain. */
  String issuer() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Who the next sign-in is. */
  void signInAs(String name) {
    username = name;
  }

  String jwks() {
    RSAPublicKey pub = (RSAPublicKey) keys.getPublic();
    return "{\"keys\":[{\"kty\":\"RSA\",\"alg\":\"RS256\",\"use\":\"sig\",\"kid\":\"" + kid + "\",\"n\":\""
        + b64(unsigned(pub.getModulus().toByteArray())) + "\",\"e\":\"" + b64(unsigned(pub.getPublicExponent().toByteArray()))
        + "\"}]}";
  }

  /** An access token for {@code name}, an admin, expiring at {@code expires}. */
  String token(String name, Instant expires) throws Exception {
    String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}";
    String claims = "{\"iss\":\"" + issuer() + "\",\"sub\":\"" + name + "-sub\",\"username\":\"" + name
        + "\",\"client_id\":\"" + CLIENT_ID + "\",\"token_use\":\"access\",\"cognito:groups\":[\"admin\"],\"iat\":"
        + Instant.now().getEpochSecond() + ",\"exp\":" + expires.getEpochSecond() + "}";
    String signingInput = b64(header.getBytes(StandardCharsets.UTF_8)) + "." + b64(claims.getBytes(StandardCharsets.UTF_8));
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initSign(keys.getPrivate());
    rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + b64(rsa.sign());
  }

  private void authorize(HttpExchange x) throws IOException {
    Map<String, String> q = form(x.getRequestURI().getRawQuery());
    if (!"code".equals(q.get("response_type")) || !"S256".equals(q.get("code_challenge_method"))
        || q.get("code_challenge") == null || q.get("redirect_uri") == null) {
      send(x, 400, "{\"error\":\"invalid_request\"}");
      return;
    }
    String code = UUID.randomUUID().toString();
    codes.put(code, new String[] {q.get("code_challenge"), q.get("client_id"), q.get("redirect_uri")});
    x.getResponseHeaders().add("Location", q.get("redirect_uri") + "?code=" + code);
    x.sendResponseHeaders(302, -1);
    x.close();
  }

  private void token(HttpExchange x) throws IOException {
    x.getResponseHeaders().add("Access-Control-Allow-Origin", "*");
    Map<String, String> f = form(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    String[] issued = codes.remove(String.valueOf(f.get("code")));
    if (issued == null || f.get("code_verifier") == null || !issued[1].equals(f.get("client_id"))
        || !issued[2].equals(f.get("redirect_uri")) || !"authorization_code".equals(f.get("grant_type"))) {
      send(x, 400, "{\"error\":\"invalid_grant\"}");
      return;
    }
    try {
      String challenge = b64(MessageDigest.getInstance("SHA-256")
          .digest(f.get("code_verifier").getBytes(StandardCharsets.US_ASCII)));
      if (!challenge.equals(issued[0])) {
        send(x, 400, "{\"error\":\"invalid_grant\",\"error_description\":\"PKCE verification failed\"}");
        return;
      }
      send(x, 200, "{\"access_token\":\"" + token(username, Instant.now().plusSeconds(3600))
          + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
    } catch (Exception e) {
      send(x, 500, "{\"error\":\"server_error\"}");
    }
  }

  private static void send(HttpExchange x, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().add("Content-Type", "application/json");
    x.sendResponseHeaders(status, body.length);
    x.getResponseBody().write(body);
    x.close();
  }

  private static Map<String, String> form(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
              URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return out;
  }

  private static byte[] unsigned(byte[] twos) {
    return twos.length > 1 && twos[0] == 0 ? java.util.Arrays.copyOfRange(twos, 1, twos.length) : twos;
  }

  static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
