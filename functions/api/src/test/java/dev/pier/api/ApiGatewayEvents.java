package dev.pier.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** API Gateway HTTP API events (payload format 2.0), as the API Lambda's tests send them to its handler. */
public final class ApiGatewayEvents {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ApiGatewayEvents() {}

  /**
   * A JSON request: {@code method} on {@code path} with {@code body} (none when null), headers {@code content-type} and
   * {@code host}; callers add headers or an authorizer to the node.
   */
  public static ObjectNode httpApi(String method, String path, String body) {
    ObjectNode e = JSON.createObjectNode();
    e.put("version", "2.0");
    e.put("routeKey", "$default");
    e.put("rawPath", path);
    e.put("rawQueryString", "");
    e.putObject("headers").put("content-type", "application/json").put("host", "pier.example.com");
    ObjectNode ctx = e.putObject("requestContext");
    ctx.put("accountId", "123456789012");
    ctx.put("apiId", "api");
    ctx.put("domainName", "pier.example.com");
    ctx.put("requestId", "req-" + System.nanoTime());
    ctx.put("routeKey", "$default");
    ctx.put("stage", "$default");
    ctx.put("timeEpoch", 1764201600000L);
    ObjectNode http = ctx.putObject("http");
    http.put("method", method);
    http.put("path", path);
    http.put("protocol", "HTTP/1.1");
    http.put("sourceIp", "203.0.113.7");
    http.put("userAgent", "test");
    if (body != null) {
      e.put("body", body);
      e.put("isBase64Encoded", false);
    }
    return e;
  }
}
