package dev.pier.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Gives every request an id — the caller's {@code X-Request-Id} when it is a sane token, else a new UUID — puts it
 * in the logging context ({@code %X{requestId}}) and answers it in {@code X-Request-Id}, so a caller can quote it and
 * an operator can find the log lines.
 */
public class RequestIds {
  static final String HEADER = "X-Request-Id";
  private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  @ServerRequestFilter(preMatching = true)
  public void assign(ContainerRequestContext request) {
    String given = request.getHeaderString(HEADER);
    String id = given != null && SANE.matcher(given).matches() ? given : UUID.randomUUID().toString();
    request.setProperty(HEADER, id);
    MDC.put("requestId", id);
  }

  @ServerResponseFilter
  public void answer(ContainerRequestContext request, ContainerResponseContext response) {
    Object id = request.getProperty(HEADER);
    if (id != null) {
      response.getHeaders().putSingle(HEADER, id);
    }
    MDC.remove("requestId");
  }
}
