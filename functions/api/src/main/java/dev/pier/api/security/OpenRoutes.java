package dev.pier.api.security;

import dev.pier.api.AuthFilter;

import dev.pier.kernel.security.Authorize;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Singleton;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.lang.reflect.Method;
import java.util.HashSet;
import java.util.Set;

/**
 * The REST routes that need no credentials — those whose method says {@code @Authorize(open = true)} — as the fixed
 * paths {@link AuthFilter} can recognise before a request is matched to a route. Read once from the resource classes
 * (every JAX-RS resource is a CDI bean in Quarkus), so the annotation stays the one place a route is opened. Open
 * routes are GETs (HEAD too) on fixed paths: health and server metadata; anything else refuses to start.
 */
@Singleton
public class OpenRoutes {
  private final Set<String> paths = new HashSet<>();

  public OpenRoutes(BeanManager beans) {
    for (var bean : beans.getBeans(Object.class, Any.Literal.INSTANCE)) {
      Class<?> type = bean.getBeanClass();
      Path base = type.getAnnotation(Path.class);
      if (base == null) {
        continue;
      }
      for (Method m : type.getDeclaredMethods()) {
        Authorize rule = m.getAnnotation(Authorize.class);
        if (rule == null || !rule.open()) {
          continue;
        }
        Path sub = m.getAnnotation(Path.class);
        String path = join(base.value(), sub == null ? "" : sub.value());
        if (!m.isAnnotationPresent(GET.class) || path.contains("{")) {
          throw new IllegalStateException(type.getSimpleName() + "." + m.getName() + " is @Authorize(open = true) but"
              + " not a GET on a fixed path; open routes are health and server metadata only");
        }
        paths.add(path);
      }
    }
  }

  /** Whether a request with this method and (decoded, application-relative) path goes to an open route. */
  public boolean contains(String method, String path) {
    return ("GET".equals(method) || "HEAD".equals(method)) && paths.contains(trim(path));
  }

  /** The open paths, for tests. */
  Set<String> paths() {
    return Set.copyOf(paths);
  }

  private static String join(String base, String sub) {
    return trim(("/" + base + "/" + sub).replaceAll("/{2,}", "/"));
  }

  /** JAX-RS matches a path with or without its trailing slash. */
  private static String trim(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }
}
