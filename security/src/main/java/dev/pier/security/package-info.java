/**
 * Security's checks and stores, on top of the kernel's caller identity ({@code dev.pier.kernel.security}): the
 * {@link dev.pier.security.Gatekeeper} turns credentials into a principal (bearer JWT via {@link
 * dev.pier.security.JwtVerifier}, API key via {@link dev.pier.security.ApiKeys}, or claims an API gateway already
 * verified), limits its request rate ({@link dev.pier.security.RateLimiter}) and its failed attempts ({@link
 * dev.pier.security.FailedAuthentications}) and checks one permission on one model; {@link
 * dev.pier.security.ArtifactSignature} signs and verifies model artifacts. Sub-packages: {@code audit} (the audit
 * log and prediction sampling), {@code privacy} (PII masking), {@code outbound} (which URLs Pier may call).
 *
 * <p>This module sits below both the registry and the functions, which use it, and knows nothing of either.
 */
package dev.pier.security;
