package dev.pier.endpoints;

import dev.pier.kernel.PierException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.UnresolvedAddressException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Sends Open Inference Protocol JSON requests to a model placed on an ECS service: Pier's endpoint container behind
 * the service's load balancer ({@code POST <url>/v2/models/<model>/infer}). The service runs one version of the model
 * at a time and, during a rolling (blue/green) update, both for a while: the request names the model, not the version,
 * so whichever task the load balancer picks answers it and its answer says which version did.
 *
 * <p>Failures map to Pier's: the container's 4xx (a bad shape, a 429 from its queue policy, a body too large) stays
 * that status with the container's message; the model failing is a 502; a service that serves another model, that
 * cannot be reached or is not ready is a 503; no answer within the request timeout is a 504. Only a connection that
 * could not be made is retried (nothing was sent, so nothing can run twice), up to {@code connectAttempts} times.
 * Each service has a {@link CircuitBreaker}: after {@code failureThreshold} unreachable, timed-out or 502/503/504
 * answers in a row its requests are refused at once with 503 and a Retry-After for {@code openFor}, then one trial
 * request is let through. Thread-safe.
 */
public final class EcsEndpointClient {

  /**
   * @param connectTimeout how long to wait for a connection
   * @param requestTimeout how long to wait for the answer once connected
   * @param connectAttempts tries of a connection that could not be made (1: no retry)
   * @param failureThreshold failures in a row that open a service's breaker
   * @param openFor how long an open breaker refuses requests
   */
  public record Settings(Duration connectTimeout, Duration requestTimeout, int connectAttempts, int failureThreshold,
      Duration openFor) {
    public static final Settings DEFAULT = new Settings(Duration.ofSeconds(2), Duration.ofSeconds(60), 3, 5,
        Duration.ofSeconds(10));

    public Settings {
      if (connectAttempts < 1) {
        throw new IllegalArgumentException("connect attempts must be at least 1, got " + connectAttempts);
      }
    }
  }

  /** The container's OIP JSON answer, and the version that gave it ({@code model_version}; null if it named none). */
  public record Answer(byte[] body, Integer version) {}

  private final HttpClient http;
  private final Settings settings;
  private final Clock clock;
  private final ConcurrentMap<URI, CircuitBreaker> breakers = new ConcurrentHashMap<>();

  public EcsEndpointClient(Settings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.http = HttpClient.newBuilder().connectTimeout(settings.connectTimeout())
        .version(HttpClient.Version.HTTP_1_1).build();
  }

  /**
   * Sends {@code oipJson} for {@code model} to the service at {@code url} (its load balancer, e.g.
   * {@code http://internal-pier-gpu-123.eu-west-1.elb.amazonaws.com}).
   *
   * @param service names the service in messages
   */
  public Answer invoke(URI url, String service, String model, byte[] oipJson) {
    CircuitBreaker breaker = breakers.computeIfAbsent(url, u -> new CircuitBreaker(settings.failureThreshold(),
        settings.openFor(), clock));
    if (!breaker.allow()) {
      long seconds = Math.max(1, (breaker.retryAfter().toMillis() + 999) / 1000);
      throw new PierException(503, "ECS service " + service + " is failing; requests to it are paused for "
          + seconds + " s (circuit open)", seconds);
    }
    boolean counted = false;
    try {
      HttpResponse<byte[]> r = send(url, service, model, oipJson);
      int status = r.statusCode();
      if (status == 502 || status == 503 || status == 504) {
        breaker.failed();
        counted = true;
        throw new PierException(503, "ECS service " + service + " is not available (HTTP " + status + "): "
            + EndpointClient.errorText(text(r.body())));
      }
      breaker.succeeded();
      counted = true;
      if (status == 200) {
        return new Answer(r.body(), answeredVersion(r.body()));
      }
      String message = EndpointClient.errorText(text(r.body()));
      if (status == 404) { // the container serves another model: the service runs something else than the registry says
        throw new PierException(503, "ECS service " + service + " does not serve model '" + model + "' now: "
            + message);
      }
      if (status >= 400 && status < 500) {
        throw new PierException(status, message);
      }
      throw new PierException(502, "ECS service " + service + " failed: " + message);
    } catch (PierException e) {
      if (!counted && e.status() >= 500) {
        breaker.failed();
        counted = true;
      }
      throw e;
    } finally {
      if (!counted) {
        breaker.failed();
      }
    }
  }

  /** Whether {@code url}'s breaker refuses requests now. */
  public boolean open(URI url) {
    CircuitBreaker b = breakers.get(url);
    return b != null && b.open();
  }

  private HttpResponse<byte[]> send(URI url, String service, String model, byte[] body) {
    URI target = url.resolve(path(url) + "/v2/models/" + URLEncoder.encode(model, StandardCharsets.UTF_8)
        .replace("+", "%20") + "/infer");
    HttpRequest request = HttpRequest.newBuilder(target).timeout(settings.requestTimeout())
        .header("Content-Type", "application/json").header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    for (int attempt = 1; ; attempt++) {
      try {
        return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      } catch (HttpConnectTimeoutException | ConnectException | UnresolvedAddressException e) {
        if (attempt >= settings.connectAttempts()) {
          throw new PierException(503, "could not reach ECS service " + service + " at " + url + " after " + attempt
              + " attempt(s): " + e, e);
        }
        pause(attempt);
      } catch (HttpTimeoutException e) {
        throw new PierException(504, "ECS service " + service + " did not answer within "
            + settings.requestTimeout().toMillis() + " ms", e);
      } catch (IOException e) {
        // the connection broke after the request was sent: it may have run, so it is not sent again
        throw new PierException(503, "ECS service " + service + " dropped the request: " + e, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new PierException(503, "interrupted while calling ECS service " + service, e);
      }
    }
  }

  /** The URL's own path without a trailing slash ({@code http://lb/prefix/} → {@code /prefix}). */
  private static String path(URI url) {
    String p = url.getRawPath() == null ? "" : url.getRawPath();
    return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }

  private static void pause(int attempt) {
    try {
      Thread.sleep(50L * attempt);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PierException(503, "interrupted while retrying a connection", e);
    }
  }

  private static String text(byte[] body) {
    return body == null ? null : new String(body, StandardCharsets.UTF_8);
  }

  /** The answer's {@code model_version}, read without parsing the outputs. */
  static Integer answeredVersion(byte[] body) {
    try {
      com.fasterxml.jackson.core.JsonParser p = new com.fasterxml.jackson.core.JsonFactory().createParser(body);
      if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        if ("model_version".equals(name)) {
          String v = p.getValueAsString();
          return v == null ? null : Integer.valueOf(v.strip());
        }
        p.skipChildren();
      }
      return null;
    } catch (IOException | NumberFormatException e) {
      return null;
    }
  }
}
