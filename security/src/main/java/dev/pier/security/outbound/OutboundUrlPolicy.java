package dev.pier.security.outbound;

import dev.pier.kernel.PierException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Which URLs Pier itself calls out to (webhooks, async prediction callbacks, any later one): {@code https} only
 * unless plain http is allowed (local open mode), and never an address inside a network Pier runs in — loopback,
 * link-local (cloud metadata at 169.254.169.254), private (RFC 1918), CGNAT (100.64.0.0/10), unique-local IPv6
 * (fc00::/7), unspecified and multicast, IPv4 addresses embedded in IPv6 included — unless the allow-list names the
 * host or a range holding the address. Without this a caller could make Pier's network position its own (SSRF).
 *
 * <p>A URL is checked when it is registered ({@link #check}, a 400 naming the field) and again at every connection
 * ({@link #resolve}, a 400 too, which a delivery treats as final): the host is resolved once, every address it resolves to is checked, and the connection goes to
 * the checked address ({@link OutboundPost}), so a name that resolves elsewhere by the time of delivery (DNS
 * rebinding) cannot reach an internal address. Immutable, thread-safe.
 */
public final class OutboundUrlPolicy {
  /** Resolves a host name to its addresses; {@link InetAddress#getAllByName} outside tests. */
  @FunctionalInterface
  public interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  /** A URL and the checked address to connect to for it. */
  public record Target(URI uri, InetAddress address) {}

  private record Range(byte[] network, int bits) {
    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      for (int i = 0; i < bits; i++) {
        int mask = 0x80 >>> (i % 8);
        if ((address[i / 8] & mask) != (network[i / 8] & mask)) {
          return false;
        }
      }
      return true;
    }
  }

  private final boolean httpAllowed;
  private final List<String> allowedHosts;
  private final List<Range> allowedRanges;
  private final Resolver resolver;

  private OutboundUrlPolicy(boolean httpAllowed, List<String> allowedHosts, List<Range> allowedRanges,
      Resolver resolver) {
    this.httpAllowed = httpAllowed;
    this.allowedHosts = allowedHosts;
    this.allowedRanges = allowedRanges;
    this.resolver = resolver;
  }

  /**
   * @param httpAllowed whether plain {@code http://} URLs are taken (local open mode only)
   * @param allowList host names (matched exactly, any case), addresses and CIDR ranges ({@code 10.1.0.0/16},
   *     {@code fd00::/8}) that may be called although internal
   */
  public static OutboundUrlPolicy of(boolean httpAllowed, List<String> allowList) {
    List<String> hosts = new ArrayList<>();
    List<Range> ranges = new ArrayList<>();
    for (String entry : allowList) {
      String e = entry.strip().toLowerCase(Locale.ROOT);
      if (e.isEmpty()) {
        continue;
      }
      Range range = range(e);
      if (range != null) {
        ranges.add(range);
      } else {
        hosts.add(e);
      }
    }
    return new OutboundUrlPolicy(httpAllowed, List.copyOf(hosts), List.copyOf(ranges), InetAddress::getAllByName);
  }

  /** The same policy resolving names with {@code resolver} (tests simulate DNS answers with it). */
  public OutboundUrlPolicy withResolver(Resolver resolver) {
    return new OutboundUrlPolicy(httpAllowed, allowedHosts, allowedRanges, resolver);
  }

  /** At registration: the URL, checked; a 400 naming {@code field} and what is wrong otherwise. */
  public URI check(String url, String field) {
    URI uri = parse(url, field);
    resolve(uri, field);
    return uri;
  }

  /** At connection: resolves the URL's host again and answers the checked address to connect to. */
  public Target resolve(URI uri) {
    return resolve(uri, "url");
  }

  private Target resolve(URI uri, String field) {
    String host = host(uri);
    InetAddress[] addresses;
    try {
      addresses = resolver.resolve(host);
    } catch (UnknownHostException e) {
      throw PierException.badRequest(field + " host '" + host + "' does not resolve");
    }
    if (addresses.length == 0) {
      throw PierException.badRequest(field + " host '" + host + "' does not resolve");
    }
    boolean hostAllowed = allowedHosts.contains(host.toLowerCase(Locale.ROOT));
    for (InetAddress a : addresses) {
      // every address, not just the first: a name answering one public and one internal address is refused
      String kind = hostAllowed || allowed(a) ? null : internalKind(a);
      if (kind != null) {
        throw PierException.badRequest(field + " host '" + host + "' resolves to " + a.getHostAddress() + ", a " + kind
            + " address; Pier calls no such address unless pier.outbound.allowed-hosts names the host or its range");
      }
    }
    return new Target(uri, addresses[0]);
  }

  private URI parse(String url, String field) {
    if (url == null || url.isBlank() || url.length() > 2048) {
      throw PierException.badRequest(field + " must be an absolute URL of at most 2048 characters");
    }
    URI uri;
    try {
      uri = new URI(url.strip());
    } catch (java.net.URISyntaxException e) {
      throw PierException.badRequest(field + " is not a URL: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    boolean ok = scheme.equals("https") || scheme.equals("http") && httpAllowed;
    if (!ok || uri.getHost() == null || uri.getRawUserInfo() != null) {
      throw PierException.badRequest(field + " must be an absolute " + (httpAllowed ? "http(s)" : "https")
          + " URL without user info, got '" + url + "'");
    }
    return uri;
  }

  private static String host(URI uri) {
    String host = uri.getHost();
    if (host == null) {
      throw PierException.badRequest("url '" + uri + "' names no host");
    }
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  private boolean allowed(InetAddress a) {
    byte[] bytes = a.getAddress();
    byte[] v4 = embeddedIpv4(a);
    for (Range r : allowedRanges) {
      if (r.contains(bytes) || v4 != null && r.contains(v4)) {
        return true;
      }
    }
    return false;
  }

  private static final List<Range> INTERNAL_V4 = List.of(
      new Range(new byte[] {0, 0, 0, 0}, 8),                 // "this network", 0.0.0.0
      new Range(new byte[] {10, 0, 0, 0}, 8),                // RFC 1918
      new Range(new byte[] {100, 64, 0, 0}, 10),             // CGNAT, RFC 6598
      new Range(new byte[] {127, 0, 0, 0}, 8),               // loopback
      new Range(new byte[] {(byte) 169, (byte) 254, 0, 0}, 16), // link-local, cloud metadata
      new Range(new byte[] {(byte) 172, 16, 0, 0}, 12),      // RFC 1918
      new Range(new byte[] {(byte) 192, 0, 0, 0}, 24),       // IETF protocol assignments
      new Range(new byte[] {(byte) 192, (byte) 168, 0, 0}, 16), // RFC 1918
      new Range(new byte[] {(byte) 198, 18, 0, 0}, 15),      // benchmarking
      new Range(new byte[] {(byte) 224, 0, 0, 0}, 3));       // multicast, reserved, broadcast

  /** Null for a public address, else what kind of internal one it is. */
  static String internalKind(InetAddress a) {
    byte[] v4 = embeddedIpv4(a);
    if (v4 != null) {
      for (Range r : INTERNAL_V4) {
        if (r.contains(v4)) {
          return v4[0] == 127 ? "loopback" : (v4[0] & 0xff) == 169 ? "link-local" : "private or reserved";
        }
      }
      return null;
    }
    byte[] b = a.getAddress();
    if (a.isLoopbackAddress() || a.isAnyLocalAddress()) {
      return "loopback";
    }
    if (a.isLinkLocalAddress()) {
      return "link-local";
    }
    if (a.isSiteLocalAddress()) {
      return "site-local";
    }
    if ((b[0] & 0xfe) == 0xfc) {
      return "unique-local (fc00::/7)";
    }
    if (a.isMulticastAddress()) {
      return "multicast";
    }
    return null;
  }

  /**
   * The IPv4 address an address stands for: itself, or one embedded in IPv6 (IPv4-mapped {@code ::ffff:a.b.c.d},
   * IPv4-compatible {@code ::a.b.c.d}, NAT64 {@code 64:ff9b::a.b.c.d}); null for other IPv6 addresses.
   */
  private static byte[] embeddedIpv4(InetAddress a) {
    if (a instanceof Inet4Address) {
      return a.getAddress();
    }
    if (!(a instanceof Inet6Address)) {
      return null;
    }
    byte[] b = a.getAddress();
    boolean zeros = Arrays.equals(b, 0, 10, new byte[10], 0, 10);
    boolean mapped = zeros && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    boolean compatible = zeros && b[10] == 0 && b[11] == 0 && !(b[12] == 0 && b[13] == 0 && b[14] == 0);
    boolean nat64 = b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b
        && Arrays.equals(b, 4, 12, new byte[8], 0, 8);
    return mapped || compatible || nat64 ? Arrays.copyOfRange(b, 12, 16) : null;
  }

  private static Range range(String entry) {
    int slash = entry.indexOf('/');
    String address = slash < 0 ? entry : entry.substring(0, slash);
    if (!address.contains(":") && !address.matches("[0-9.]+")) {
      return null; // a host name
    }
    try {
      byte[] bytes = InetAddress.getByName(address).getAddress(); // a literal: no lookup
      int bits = slash < 0 ? bytes.length * 8 : Integer.parseInt(entry.substring(slash + 1));
      if (bits < 0 || bits > bytes.length * 8) {
        throw new IllegalArgumentException("pier.outbound.allowed-hosts: bad prefix length in '" + entry + "'");
      }
      return new Range(bytes, bits);
    } catch (UnknownHostException | NumberFormatException e) {
      throw new IllegalArgumentException("pier.outbound.allowed-hosts: '" + entry + "' is not an address or range");
    }
  }
}
