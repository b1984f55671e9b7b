package dev.pier.grpc;

import dev.pier.kernel.security.Credentials;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Locale;

/**
 * Carries each call's credentials (metadata {@code authorization} or {@code x-api-key}, as REST's headers) into the
 * call's context, where the service checks them once it knows the model the message names.
 */
final class CallerMetadata implements ServerInterceptor {
  static final Context.Key<Credentials> CREDENTIALS = Context.key("pier-credentials");

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Credentials credentials = Credentials.from(name -> headers.get(
        Metadata.Key.of(name.toLowerCase(Locale.ROOT), Metadata.ASCII_STRING_MARSHALLER)));
    return Contexts.interceptCall(Context.current().withValue(CREDENTIALS, credentials), call, headers, next);
  }
}
