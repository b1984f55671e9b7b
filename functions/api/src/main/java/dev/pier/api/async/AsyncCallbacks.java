package dev.pier.api.async;

/**
 * Whether finished async predictions can be delivered to a caller's {@code X-Pier-Callback-Url} here: only where a
 * signing secret is configured ({@code pier.async.callback-secret}; local mode makes one), since every delivery is
 * signed like a webhook.
 */
public record AsyncCallbacks(boolean enabled) {}
