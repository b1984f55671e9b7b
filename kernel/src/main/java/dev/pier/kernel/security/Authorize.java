package dev.pier.kernel.security;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The permission a REST route needs, checked by the serving app's authentication filter through the shared
 * {@code dev.pier.security.Gatekeeper}: on the model named by the route's {@code {model}} path parameter, or on the
 * platform when the route has none. With authentication on, a route without this annotation is refused (403):
 * new routes are closed until they say what they need. Here, in the kernel, so every domain's resources (the
 * registry's included, which know nothing of the app serving them) say what they need the same way.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Authorize {
  Permission value() default Permission.READ;

  /** For listings: the caller needs the permission on at least one model; the route filters what it returns. */
  boolean anyModel() default false;

  /** Health and server metadata: no credentials needed. */
  boolean open() default false;
}
