package dev.pier.security.outbound;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One HTTP/1.1 POST to a {@link OutboundUrlPolicy.Target}: connects to the target's checked address (never resolving
 * the host again, so DNS rebinding cannot redirect it), speaks TLS for {@code https} with SNI and certificate checks
 * against the URL's host name, sends the body and reads only the status line. Redirects are not followed (a 3xx is
 * just a status). Written on sockets because neither the JDK's HttpClient nor HttpURLConnection can be told which
 * address to connect to while verifying the host name; the only other clients on the class path would be a new
 * dependency in every module that sends (the Lambda zip excludes Apache's on purpose).
 */
public final class OutboundPost {
  private OutboundPost() {}

  /** Posts {@code body} with {@code headers}; answers the response's status code. */
  public static int send(OutboundUrlPolicy.Target target, Map<String, String> headers, byte[] body, Duration timeout)
      throws IOException {
    URI uri = target.uri();
    boolean tls = "https".equalsIgnoreCase(uri.getScheme());
    int port = uri.getPort() != -1 ? uri.getPort() : tls ? 443 : 80;
    int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1)
        : uri.getHost();
    try (Socket plain = new Socket()) {
      plain.connect(new InetSocketAddress(target.address(), port), millis);
      plain.setSoTimeout(millis);
      Socket socket = plain;
      if (tls) {
        SSLSocket ssl = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault())
            .createSocket(plain, host, port, true);
        SSLParameters p = ssl.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the URL's host
        if (!host.contains(":") && !host.matches("[0-9.]+")) {
          p.setServerNames(List.of(new SNIHostName(host)));
        }
        ssl.setSSLParameters(p);
        ssl.startHandshake();
        socket = ssl;
      }
      String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
      if (uri.getRawQuery() != null) {
        path += "?" + uri.getRawQuery();
      }
      StringBuilder head = new StringBuilder("POST ").append(path).append(" HTTP/1.1\r\n")
          .append("Host: ").append(uri.getHost()).append(uri.getPort() != -1 ? ":" + uri.getPort() : "").append("\r\n")
          .append("Content-Length: ").append(body.length).append("\r\n")
          .append("Connection: close\r\n");
      for (Map.Entry<String, String> h : headers.entrySet()) {
        if (h.getValue().indexOf('\r') >= 0 || h.getValue().indexOf('\n') >= 0) {
          throw new IllegalArgumentException("header " + h.getKey() + " holds a line break");
        }
        head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
      }
      head.append("\r\n");
      OutputStream out = new BufferedOutputStream(socket.getOutputStream());
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      return status(socket.getInputStream());
    }
  }

  /** The code of a status line such as {@code HTTP/1.1 204 No Content}. */
  private static int status(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int c = in.read(); c != -1 && c != '\n' && line.size() < 1024; c = in.read()) {
      line.write(c);
    }
    String[] parts = line.toString(StandardCharsets.ISO_8859_1).strip().split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/") || !parts[1].matches("[0-9]{3}")) {
      throw new IOException("not an HTTP response: '" + line.toString(StandardCharsets.ISO_8859_1).strip() + "'");
    }
    return Integer.parseInt(parts[1]);
  }
}
