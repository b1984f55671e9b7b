package dev.pier.async;

/**
 * Delivers a finished prediction to its callback URL: signed, retried, off the calling thread. The api app backs it
 * with the registry's webhook delivery, so callbacks and webhooks share one signing scheme.
 */
@FunctionalInterface
public interface CallbackSender {
  CallbackSender NONE = (url, type, body, deliveryId) -> { };

  void send(String url, String type, String body, String deliveryId);
}
