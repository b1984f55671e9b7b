/**
 * Who is calling and what they may do, shared by every front end (REST, gRPC, the MLflow API): {@link
 * dev.pier.kernel.security.Credentials} are read from request headers or gRPC metadata, a {@link
 * dev.pier.kernel.security.Gatekeeper} turns them into a {@link dev.pier.kernel.security.Principal} (bearer JWT,
 * API key or claims an API gateway already verified), limits its request rate and checks one {@link
 * dev.pier.kernel.security.Permission} on one model. Front ends only map {@link
 * dev.pier.kernel.security.AccessDenied} to their own error format.
 */
package dev.pier.kernel.security;
