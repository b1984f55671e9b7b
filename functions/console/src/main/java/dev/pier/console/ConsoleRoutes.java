package dev.pier.console;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.regex.Pattern;

/**
 * Deep links into the console: a {@code GET} of {@code /console/models/iris/versions/3} (a page the browser's History
 * API made, then reloaded or bookmarked) answers {@code index.html}, whose router draws that page. The console's own
 * files ({@code /console/app.js}, {@code /console/views/…}, {@code /console/vendor/…}) are left to Quarkus' static
 * resource handler, which serves them from this jar's {@code META-INF/resources/console/}. {@code /console} redirects
 * to {@code /console/}. In AWS, CloudFront does the same with a 403/404 → {@code /index.html} error response.
 */
@Singleton
public class ConsoleRoutes {
  /** Before the static handler, which would answer 404 for a path that is no file. */
  private static final int ORDER = -250;
  private static final Pattern FILE = Pattern.compile(
      "/console/(?:(?:views|vendor|assets)/.*|[^/]+\\.(?:js|css|json|png|svg|ico|txt|map))");
  private static final CharSequence HTML = HttpHeaders.createOptimized("text/html; charset=utf-8");
  private static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");
  private final Buffer index = load("META-INF/resources/console/index.html");

  void register(@Observes Router router) {
    // a regular expression: a plain route "/console" would match "/console/" too, and redirect it to itself
    router.routeWithRegex("/console").method(HttpMethod.GET).method(HttpMethod.HEAD).order(ORDER)
        .handler(ctx -> ctx.response().setStatusCode(302).putHeader(HttpHeaders.LOCATION, "/console/").end());
    router.routeWithRegex("/console/.*").method(HttpMethod.GET).method(HttpMethod.HEAD).order(ORDER)
        .handler(this::page);
  }

  private void page(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    if (FILE.matcher(path).matches()) {
      if (getClass().getClassLoader().getResource("META-INF/resources" + path) != null) {
        ctx.next(); // the static handler serves it
      } else {
        ctx.response().setStatusCode(404).end(); // not the API's 401 when authentication is on: there is no such file
      }
      return;
    }
    ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, HTML)
        .putHeader(HttpHeaders.CACHE_CONTROL, NO_CACHE)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline';"
            + " connect-src 'self' https:; frame-ancestors 'none'")
        .end(ctx.request().method() == HttpMethod.HEAD ? Buffer.buffer() : index.copy());
  }

  private static Buffer load(String resource) {
    try (InputStream in = ConsoleRoutes.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing from the console jar");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
