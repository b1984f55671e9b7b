package dev.pier.security.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.pier.kernel.PierException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Finding #23.5: Pier calls out only to public https URLs, checked when registered and again at each connection. */
class OutboundUrlPolicyTest {
  private static final OutboundUrlPolicy HTTPS_ONLY = OutboundUrlPolicy.of(false, List.of());
  private static final OutboundUrlPolicy LOCAL_OPEN = OutboundUrlPolicy.of(true, List.of());

  private static OutboundUrlPolicy.Resolver answering(String... addresses) {
    return host -> {
      InetAddress[] out = new InetAddress[addresses.length];
      for (int i = 0; i < addresses.length; i++) {
        out[i] = InetAddress.getByAddress(host, InetAddress.getByName(addresses[i]).getAddress());
      }
      return out;
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.8.9.10", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
      "100.64.0.1", "100.127.255.254", "0.0.0.0", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1",
      "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "224.0.0.1"})
  void internalAddressesAreRefused(String address) {
    OutboundUrlPolicy policy = HTTPS_ONLY.withResolver(answering(address));
    assertThatThrownBy(() -> policy.check("https://hooks.example/x", "url"))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining("resolves to");
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[::1]:8080/x",
      "https://[::ffff:7f00:1]/x", "https://127.1/x", "https://[fd00::1]/"})
  void literalInternalAddressesAreRefusedWithoutAnyLookup(String url) {
    assertThatThrownBy(() -> LOCAL_OPEN.check(url, "url")).isInstanceOf(PierException.class);
  }

  @Test
  void aPublicHttpsUrlIsTaken() {
    OutboundUrlPolicy policy = HTTPS_ONLY.withResolver(answering("93.184.216.34", "2606:2800:220:1::1"));
    assertThat(policy.check("https://hooks.example/x?y=1", "url")).hasHost("hooks.example");
  }

  @Test
  void plainHttpIsRefusedOutsideLocalOpenMode() {
    OutboundUrlPolicy policy = HTTPS_ONLY.withResolver(answering("93.184.216.34"));
    assertThatThrownBy(() -> policy.check("http://hooks.example/x", "X-Pier-Callback-Url"))
        .hasMessageContaining("X-Pier-Callback-Url must be an absolute https URL");
    assertThat(LOCAL_OPEN.withResolver(answering("93.184.216.34")).check("http://hooks.example/x", "url"))
        .hasScheme("http");
  }

  @Test
  void aNameWithOnePublicAndOneInternalAddressIsRefused() {
    OutboundUrlPolicy policy = HTTPS_ONLY.withResolver(answering("93.184.216.34", "10.1.2.3"));
    assertThatThrownBy(() -> policy.check("https://hooks.example/x", "url")).hasMessageContaining("10.1.2.3");
  }

  @Test
  void anAllowListNamesInternalHostsAndRanges() {
    OutboundUrlPolicy policy = OutboundUrlPolicy.of(false, List.of("hooks.internal", "10.20.0.0/16"));
    assertThat(policy.withResolver(answering("10.9.9.9")).check("https://hooks.internal/x", "url")).isNotNull();
    assertThat(policy.withResolver(answering("10.20.3.4")).check("https://other.internal/x", "url")).isNotNull();
    assertThatThrownBy(() -> policy.withResolver(answering("10.21.3.4")).check("https://other.internal/x", "url"))
        .isInstanceOf(PierException.class);
  }

  @Test
  void anUnresolvableHostIsRefused() {
    OutboundUrlPolicy policy = HTTPS_ONLY.withResolver(host -> {
      throw new UnknownHostException(host);
    });
    assertThatThrownBy(() -> policy.check("https://nowhere.example/", "url")).hasMessageContaining("does not resolve");
  }

  @Test
  void aHostThatRebindsToAnInternalAddressAfterTheCheckIsRefusedAtConnection() {
    Deque<String> answers = new ArrayDeque<>(List.of("93.184.216.34", "169.254.169.254"));
    OutboundUrlPolicy policy = HTTPS_ONLY.withResolver(host -> answering(answers.pop()).resolve(host));
    URI checked = policy.check("https://rebind.example/hook", "url");
    assertThatThrownBy(() -> policy.resolve(checked)).hasMessageContaining("169.254.169.254");
  }

  @Test
  void aDeliveryConnectsToTheCheckedAddressAndFollowsNoRedirect() throws Exception {
    AtomicInteger hooks = new AtomicInteger();
    AtomicInteger elsewhere = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/hook", exchange -> {
      hooks.incrementAndGet();
      assertThat(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("{}");
      exchange.getResponseHeaders().add("Location", "http://127.0.0.1:" + exchange.getLocalAddress().getPort()
          + "/elsewhere");
      exchange.sendResponseHeaders(302, -1);
      exchange.close();
    });
    server.createContext("/elsewhere", exchange -> {
      elsewhere.incrementAndGet();
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    server.start();
    try {
      // the name resolves to loopback, allow-listed by address: the connection goes there, whatever the name is
      OutboundUrlPolicy policy = OutboundUrlPolicy.of(true, List.of("127.0.0.1")).withResolver(answering("127.0.0.1"));
      URI url = policy.check("http://receiver.test:" + server.getAddress().getPort() + "/hook", "url");
      int status = OutboundPost.send(policy.resolve(url), Map.of("X-Pier-Event", "t"), "{}".getBytes(),
          Duration.ofSeconds(5));
      assertThat(status).isEqualTo(302);
      assertThat(hooks).hasValue(1);
      assertThat(elsewhere).hasValue(0);
    } finally {
      server.stop(0);
    }
  }
}
