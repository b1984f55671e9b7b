package dev.pier.api;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
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
  public static final String HEADER = "X-Request-Id";
  private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  /** First of all, so that even a 401 from {@link AuthFilter} answers the id. */
  @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION - 100)
  public void assign(ContainerRequestContext request) {
    String id = of(request.getHeaderString(HEADER));
    request.setProperty(HEADER, id);
    MDC.put("requestId", id);
  }

  /** The id of a request that sent {@code given} in {@code X-Request-Id} (null: none). */
  public static String of(String given) {
    return given != null && SANE.matcher(given).matches() ? given : newId();
  }

  /**
   * A random (version 4) UUID from {@link ThreadLocalRandom}: request ids must be unique, not unguessable, and
   * {@link UUID#randomUUID()}'s SecureRandom costs more than the rest of a health check.
   */
  static String newId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long high = (r.nextLong() & ~0xF000L) | 0x4000L; // version 4
    long low = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L; // IETF variant
    return new UUID(high, low).toString();
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
