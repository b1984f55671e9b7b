package dev.pier.kernel.security;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The platform-wide permission a REST route of a domain module needs (the feature store's, for one), for modules
 * that cannot see the api app's own route annotation. The api's authorization filter checks it on the platform, the
 * way it checks a route without a {@code {model}}; a route with neither annotation stays closed while authentication
 * is on.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface RequiresPermission {
  Permission value();
}
