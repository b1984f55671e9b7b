package dev.pier.registry.events;

import dev.pier.registry.RegistryEvent;
import dev.pier.registry.RegistryListener;
import dev.pier.kernel.PierException;
import dev.pier.security.outbound.OutboundPost;
import dev.pier.security.outbound.OutboundUrlPolicy;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
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
 *
 * <p>Every attempt goes through the {@link OutboundUrlPolicy} again: the receiver's host is resolved, checked and
 * connected to at the checked address ({@link OutboundPost}); an address the policy refuses ends the delivery
 * without retries. Redirects are not followed.
 */
public final class WebhookDispatcher implements RegistryListener, AutoCloseable {
  private static final System.Logger LOG = System.getLogger(WebhookDispatcher.class.getName());
  private final WebhookStore webhooks;
  private final int attempts;
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private final Duration backoff;
  private final OutboundUrlPolicy outbound;
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1, r -> {
    Thread t = new Thread(r, "pier-webhooks");
    t.setDaemon(true);
    return t;
  });
  /** Deliveries block on their receiver (up to {@link #TIMEOUT}); a few at once keep one slow receiver from the rest. */
  private final ExecutorService senders = Executors.newFixedThreadPool(4, r -> {
    Thread t = new Thread(r, "pier-webhook-sender");
    t.setDaemon(true);
    return t;
  });

  public WebhookDispatcher(WebhookStore webhooks, int attempts, Duration backoff, OutboundUrlPolicy outbound) {
    this.webhooks = webhooks;
    this.attempts = Math.max(1, attempts);
    this.backoff = backoff;
    this.outbound = outbound;
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
    senders.execute(() -> {
      String timestamp = Long.toString(System.currentTimeMillis() / 1000);
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("Content-Type", "application/json");
      headers.put("User-Agent", "pier-webhooks");
      headers.put("X-Pier-Event", type);
      headers.put("X-Pier-Delivery", deliveryId);
      headers.put("X-Pier-Timestamp", timestamp);
      headers.put("X-Pier-Signature", "sha256=" + sign(secret, timestamp + "." + body));
      String why;
      try {
        OutboundUrlPolicy.Target target = outbound.resolve(URI.create(url)); // checked at every connection
        int status = OutboundPost.send(target, headers, body.getBytes(StandardCharsets.UTF_8), TIMEOUT);
        if (status / 100 == 2) {
          return;
        }
        why = "HTTP " + status;
      } catch (PierException e) {
        LOG.log(System.Logger.Level.WARNING, receiver + " not delivered (" + type + "): " + e.getMessage());
        return; // the policy refuses the address: retrying would not change that
      } catch (IOException | RuntimeException e) {
        why = e.toString();
      }
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
    senders.shutdownNow();
  }
}
