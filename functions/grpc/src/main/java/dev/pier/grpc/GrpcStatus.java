package dev.pier.grpc;

import dev.pier.kernel.PierException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Pier's failures as gRPC status codes, the same on the platform's service and the endpoint container's: 400/422 →
 * INVALID_ARGUMENT, 401 → UNAUTHENTICATED, 403 → PERMISSION_DENIED, 404 → NOT_FOUND, 409 → FAILED_PRECONDITION,
 * 413/429 → RESOURCE_EXHAUSTED, 501 → UNIMPLEMENTED, 503 → UNAVAILABLE, else INTERNAL; the description is Pier's message.
 */
public final class GrpcStatus {
  private GrpcStatus() {}

  public static StatusRuntimeException of(PierException e) {
    Status s = switch (e.status()) {
      case 400, 422 -> Status.INVALID_ARGUMENT;
      case 401 -> Status.UNAUTHENTICATED;
      case 403 -> Status.PERMISSION_DENIED;
      case 404 -> Status.NOT_FOUND;
      case 409 -> Status.FAILED_PRECONDITION;
      case 413, 429 -> Status.RESOURCE_EXHAUSTED;
      case 501 -> Status.UNIMPLEMENTED;
      case 503 -> Status.UNAVAILABLE;
      default -> Status.INTERNAL;
    };
    return s.withDescription(e.getMessage()).asRuntimeException();
  }
}
