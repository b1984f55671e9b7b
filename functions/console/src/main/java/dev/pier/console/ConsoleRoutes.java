package dev.pier.console;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Deep links into the console: a {@code GET} of {@code /console/models/iris/versions/3} (a page the browser's History
 * API made, then reloaded or bookmarked) answers {@code index.html}, whose router draws that page. The console's own
 * files ({@code /console/app.js}, {@code /console/views/…}, {@code /console/vendor/…}) are left to Quarkus' static
 * resource handler, which serves them from this jar's {@code META-INF/resources/console/}. {@code /console} redirects
 * to {@code /console/}. In AWS, CloudFront does the same with a 403/404 → {@code /index.html} error response.
 *
 * <p>{@code pier.console.config-file} (env {@code PIER_CONSOLE_CONFIG_FILE}) names a JSON file served as
 * {@code /console/config.json}, read on each request: what CDK's ConsoleSite writes to S3 in AWS (the API's URL, the
 * Cognito hosted UI), so a local server can sign in through an identity provider too. The origins it names
 * ({@code api}, {@code cognito.domain}) are added to the pages' {@code connect-src}.
 */
@Singleton
public class ConsoleRoutes {
  /** Before the static handler, which would answer 404 for a path that is no file. */
  private static final int ORDER = -250;
  private static final Pattern FILE = Pattern.compile(
      "/console/(?:(?:views|vendor|assets)/.*|[^/]+\\.(?:js|css|json|png|svg|ico|txt|map))");
  private static final CharSequence HTML = HttpHeaders.createOptimized("text/html; charset=utf-8");
  private static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");
  private static final String CONFIG = "/console/config.json";
  private static final Pattern ORIGIN = Pattern.compile("\"(?:api|domain)\"\\s*:\\s*\"(https?://[^\"/]+)");
  private final Buffer index = load("META-INF/resources/console/index.html");
  private final Optional<Path> configFile;

  @Inject
  ConsoleRoutes(@ConfigProperty(name = "pier.console.config-file") Optional<String> configFile) {
    this.configFile = configFile.filter(f -> !f.isBlank()).map(Path::of);
  }

  void register(@Observes Router router) {
    // a regular expression: a plain route "/console" would match "/console/" too, and redirect it to itself
    router.routeWithRegex("/console").method(HttpMethod.GET).method(HttpMethod.HEAD).order(ORDER)
        .handler(ctx -> ctx.response().setStatusCode(302).putHeader(HttpHeaders.LOCATION, "/console/").end());
    router.routeWithRegex("/console/.*").method(HttpMethod.GET).method(HttpMethod.HEAD).order(ORDER)
        .handler(this::page);
  }

  private void page(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    if (CONFIG.equals(path) && configFile.isPresent()) {
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").putHeader(HttpHeaders.CACHE_CONTROL, NO_CACHE)
          .end(Buffer.buffer(readConfig()));
      return;
    }
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
            + " connect-src 'self' https:" + configOrigins() + "; frame-ancestors 'none'")
        .end(ctx.request().method() == HttpMethod.HEAD ? Buffer.buffer() : index.copy());
  }

  private String readConfig() {
    try {
      return Files.readString(configFile.orElseThrow());
    } catch (IOException e) {
      throw new UncheckedIOException("could not read pier.console.config-file " + configFile.get(), e);
    }
  }

  /** The origins config.json sends the console to (a local identity provider is plain http), each after a space. */
  private String configOrigins() {
    if (configFile.isEmpty()) {
      return "";
    }
    StringBuilder origins = new StringBuilder();
    Matcher m = ORIGIN.matcher(readConfig());
    while (m.find()) {
      origins.append(' ').append(URI.create(m.group(1)).toString());
    }
    return origins.toString();
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
