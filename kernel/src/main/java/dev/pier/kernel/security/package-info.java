/**
 * Who is calling and what they may do, shared by every module and front end (REST, gRPC, the MLflow API): {@link
 * dev.pier.kernel.security.Credentials} read from request headers or gRPC metadata, the {@link
 * dev.pier.kernel.security.Principal} they authenticate as, its {@link dev.pier.kernel.security.Grant}s of {@link
 * dev.pier.kernel.security.Role}s and {@link dev.pier.kernel.security.Permission}s, and {@link
 * dev.pier.kernel.security.AccessDenied}, which front ends map to their own error format. Checking credentials (the
 * Gatekeeper, JWTs, API keys, rate limits) is {@code dev.pier.security}'s, in the pier-security module.
 */
package dev.pier.kernel.security;
