package dev.pier.grpc;

import dev.pier.kernel.security.Credentials;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.InetSocketAddress;
import java.util.Locale;

/**
 * Carries each call's credentials (metadata {@code authorization} or {@code x-api-key}, as REST's headers), request
 * id and data subject into the call's context, where the service checks them once it knows the model the message names.
 */
final class CallerMetadata implements ServerInterceptor {
  static final Context.Key<Credentials> CREDENTIALS = Context.key("pier-credentials");
  /** {@code x-request-id}, as REST's {@code X-Request-Id}; null when the caller sent none. */
  static final Context.Key<String> REQUEST_ID = Context.key("pier-request-id");
  /** {@code x-pier-subject}: the data subject a prediction is about, as REST's {@code X-Pier-Subject}. */
  static final Context.Key<String> SUBJECT = Context.key("pier-subject");
  /** The client's address, whose failed authentications are limited; null when the transport names none. */
  static final Context.Key<String> SOURCE = Context.key("pier-source");
  /**
   * {@code x-pier-attributes}: the unit's targeting attributes as a JSON object, as REST's {@code X-Pier-Attributes}
   * (for a stream, every message's); null when the caller sent none.
   */
  static final Context.Key<String> ATTRIBUTES = Context.key("pier-attributes");

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Credentials credentials = Credentials.from(name -> headers.get(
        Metadata.Key.of(name.toLowerCase(Locale.ROOT), Metadata.ASCII_STRING_MARSHALLER)));
    Context context = Context.current().withValues(CREDENTIALS, credentials,
        REQUEST_ID, headers.get(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER)),
        SUBJECT, headers.get(Metadata.Key.of("x-pier-subject", Metadata.ASCII_STRING_MARSHALLER)),
        SOURCE, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR) instanceof InetSocketAddress a
            && a.getAddress() != null ? a.getAddress().getHostAddress() : null)
        .withValue(ATTRIBUTES, headers.get(Metadata.Key.of("x-pier-attributes", Metadata.ASCII_STRING_MARSHALLER)));
    return Contexts.interceptCall(context, call, headers, next);
  }
}
