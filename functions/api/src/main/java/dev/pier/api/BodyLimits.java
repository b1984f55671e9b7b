package dev.pier.api;

import dev.pier.kernel.PierException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** Refuses inference bodies over the limit from their Content-Length, before reading a byte of them. */
public class BodyLimits {
  private final long inferBodyBytes;

  public BodyLimits(PierConfig config) {
    this.inferBodyBytes = config.limits().inferBodyBytes();
  }

  @ServerRequestFilter(preMatching = true)
  public void check(ContainerRequestContext request) {
    String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
    if (length == null || !request.getUriInfo().getPath().startsWith("/v2/")) {
      return;
    }
    long bytes;
    try {
      bytes = Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      throw PierException.badRequest("invalid Content-Length: " + length);
    }
    if (bytes > inferBodyBytes) {
      throw new PierException(413, "request body of " + bytes + " bytes exceeds the limit of " + inferBodyBytes
          + " bytes for inference requests");
    }
  }
}
