package dev.pier.registry.events;

import dev.pier.registry.RegistryEvent;
import dev.pier.registry.RegistryListener;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Delivers registry events to the webhooks that want them: an HTTP POST of the event's JSON, signed, retried with
 * exponential backoff (delay, 2x delay, 4x delay, …) until a 2xx or {@code attempts} tries. Delivery runs off the
 * request thread, so a slow receiver never slows a registry change.
 *
 * <p>Each delivery carries {@code X-Pier-Event} (the type), {@code X-Pier-Delivery} (the same id on every retry, for
 * de-duplication), {@code X-Pier-Timestamp} (epoch seconds) and {@code X-Pier-Signature: sha256=<hex>}, the
 * HMAC-SHA256 with the webhook's secret of {@code <timestamp>.<body>} — the receiver recomputes it, compares in
 * constant time and rejects old timestamps to stop replays.
 */
public final class WebhookDispatcher implements RegistryListener, AutoCloseable {
  private static final System.Logger LOG = System.getLogger(WebhookDispatcher.class.getName());
  private final WebhookStore webhooks;
  private final int attempts;
  private final Duration backoff;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1, r -> {
    Thread t = new Thread(r, "pier-webhooks");
    t.setDaemon(true);
    return t;
  });

  public WebhookDispatcher(WebhookStore webhooks, int attempts, Duration backoff) {
    this.webhooks = webhooks;
    this.attempts = Math.max(1, attempts);
    this.backoff = backoff;
  }

  @Override
  public void changed(RegistryEvent event) {
    scheduler.execute(() -> {
      String body = RegistryEventJson.write(event).toString();
      for (Webhook w : webhooks.all()) {
        if (w.wants(event)) {
          deliver(w.url(), w.secret(), "webhook " + w.id(), event.type(), body, UUID.randomUUID().toString(), 1);
        }
      }
    });
  }

  /**
   * Delivers one event that is not a registry event (e.g. an async prediction's completion callback) the way webhooks
   * are delivered: signed with {@code secret}, retried with backoff, off the calling thread.
   */
  public void post(String url, String secret, String type, String body, String deliveryId) {
    scheduler.execute(() -> deliver(url, secret, "callback", type, body, deliveryId, 1));
  }

  private void deliver(String url, String secret, String receiver, String type, String body, String deliveryId,
      int attempt) {
    String timestamp = Long.toString(System.currentTimeMillis() / 1000);
    HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .header("User-Agent", "pier-webhooks")
        .header("X-Pier-Event", type)
        .header("X-Pier-Delivery", deliveryId)
        .header("X-Pier-Timestamp", timestamp)
        .header("X-Pier-Signature", "sha256=" + sign(secret, timestamp + "." + body))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) -> {
      if (failure == null && response.statusCode() / 100 == 2) {
        return;
      }
      String why = failure != null ? failure.toString() : "HTTP " + response.statusCode();
      if (attempt >= attempts) {
        LOG.log(System.Logger.Level.WARNING, receiver + " gave up on " + type + " after " + attempt
            + " attempts: " + why);
        return;
      }
      long delay = backoff.toMillis() << (attempt - 1);
      scheduler.schedule(() -> deliver(url, secret, receiver, type, body, deliveryId, attempt + 1), delay,
          TimeUnit.MILLISECONDS);
    });
  }

  /** Hex HMAC-SHA256 of {@code payload} under {@code secret}. */
  public static String sign(String secret, String payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
