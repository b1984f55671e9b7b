package dev.pier.training.sagemaker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test-only stand-in for CloudWatch Logs at the HTTP level (AWS JSON 1.1: {@code POST /} with
 * {@code X-Amz-Target: Logs_20140328.<operation>}), as far as SageMaker's training logs need: CreateLogGroup,
 * CreateLogStream, PutLogEvents, GetLogEvents (forward tokens; the same token back at the end, as CloudWatch answers)
 * and FilterLogEvents (by {@code logStreamNames} or {@code logStreamNamePrefix}, events in time then stream order,
 * {@link #PAGE} events a page and {@code nextToken} while more are left, so a reader must follow the tokens). A group
 * or stream that does not exist is {@code ResourceNotFoundException}, one created twice
 * {@code ResourceAlreadyExistsException}. FilterLogEvents' {@code startTime} (inclusive) is honoured; filter patterns,
 * {@code endTime}, retention and KMS are not modelled.
 */
public final class LogsStandIn implements AutoCloseable {
  /** Events a FilterLogEvents or GetLogEvents page holds at most (CloudWatch: up to 10,000 or 1 MB). */
  public static final int PAGE = 7;
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Event(String stream, long timestamp, String message, long ingested, int sequence) {}

  private final HttpServer server;
  /** Group → stream → events in put order. */
  private final Map<String, Map<String, List<Event>>> groups = new ConcurrentHashMap<>();
  private final AtomicInteger sequence = new AtomicInteger();
  /** How many FilterLogEvents calls were answered. */
  public final AtomicInteger filterCalls = new AtomicInteger();
  /** FilterLogEvents calls that read from a {@code startTime} on (a reader going on from where it was). */
  public final AtomicInteger fromCalls = new AtomicInteger();

  /** Events a page holds in this stand-in: {@link #PAGE}, or as constructed. */
  private final int page;

  public LogsStandIn() throws IOException {
    this(PAGE);
  }

  /** A stand-in answering {@code page} events a page (a test reading many thousands of lines). */
  public LogsStandIn(int page) throws IOException {
    this.page = page;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext("/", this::handle);
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
      JsonNode body = JSON.readTree(ex.getRequestBody());
      String op = target == null ? "" : target.substring(target.indexOf('.') + 1);
      int status = 200;
      JsonNode answer;
      try {
        answer = switch (op) {
          case "CreateLogGroup" -> createGroup(body.path("logGroupName").asText());
          case "CreateLogStream" -> createStream(body.path("logGroupName").asText(),
              body.path("logStreamName").asText());
          case "PutLogEvents" -> put(body);
          case "GetLogEvents" -> get(body);
          case "FilterLogEvents" -> filter(body);
          default -> throw new Refused("UnknownOperationException", "the stand-in has no " + op);
        };
      } catch (Refused e) {
        status = 400;
        answer = JSON.createObjectNode().put("__type", e.type).put("message", e.getMessage());
      }
      byte[] bytes = JSON.writeValueAsBytes(answer);
      ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
      ex.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private static final class Refused extends RuntimeException {
    final String type;

    Refused(String type, String message) {
      super(message);
      this.type = type;
    }
  }

  private JsonNode createGroup(String group) {
    if (groups.putIfAbsent(group, new ConcurrentHashMap<>()) != null) {
      throw new Refused("ResourceAlreadyExistsException", "The specified log group already exists");
    }
    return JSON.createObjectNode();
  }

  private Map<String, List<Event>> group(String group) {
    Map<String, List<Event>> g = groups.get(group);
    if (g == null) {
      throw new Refused("ResourceNotFoundException", "The specified log group does not exist.");
    }
    return g;
  }

  private List<Event> stream(String group, String stream) {
    List<Event> s = group(group).get(stream);
    if (s == null) {
      throw new Refused("ResourceNotFoundException", "The specified log stream does not exist.");
    }
    return s;
  }

  private JsonNode createStream(String group, String stream) {
    if (group(group).putIfAbsent(stream, java.util.Collections.synchronizedList(new ArrayList<>())) != null) {
      throw new Refused("ResourceAlreadyExistsException", "The specified log stream already exists");
    }
    return JSON.createObjectNode();
  }

  private JsonNode put(JsonNode r) {
    String name = r.path("logStreamName").asText();
    List<Event> events = stream(r.path("logGroupName").asText(), name);
    long now = System.currentTimeMillis();
    for (JsonNode e : r.path("logEvents")) {
      if (!e.has("timestamp") || !e.has("message")) {
        throw new Refused("InvalidParameterException", "a log event needs timestamp and message");
      }
      events.add(new Event(name, e.path("timestamp").asLong(), e.path("message").asText(), now,
          sequence.incrementAndGet()));
    }
    return JSON.createObjectNode().put("nextSequenceToken", Integer.toString(sequence.get()));
  }

  private static int from(JsonNode token, String prefix) {
    String t = token.asText("");
    if (t.isEmpty()) {
      return 0;
    }
    if (!t.startsWith(prefix)) {
      throw new Refused("InvalidParameterException", "The specified nextToken is invalid.");
    }
    return Integer.parseInt(t.substring(prefix.length()));
  }

  private int limit(JsonNode r) {
    int asked = r.path("limit").asInt(0);
    return asked > 0 ? Math.min(asked, page) : page;
  }

  private JsonNode get(JsonNode r) {
    List<Event> events;
    List<Event> s = stream(r.path("logGroupName").asText(), r.path("logStreamName").asText());
    synchronized (s) {
      events = List.copyOf(s);
    }
    int start = from(r.path("nextToken"), "f/");
    int end = Math.min(events.size(), start + limit(r));
    ObjectNode out = JSON.createObjectNode();
    out.set("events", events(events.subList(start, end), false));
    out.put("nextForwardToken", "f/" + end); // at the end: the token that was passed in, as CloudWatch does
    out.put("nextBackwardToken", "b/" + start);
    return out;
  }

  private JsonNode filter(JsonNode r) {
    filterCalls.incrementAndGet();
    Map<String, List<Event>> g = group(r.path("logGroupName").asText());
    String prefix = r.path("logStreamNamePrefix").asText("");
    List<String> names = new ArrayList<>();
    r.path("logStreamNames").forEach(n -> names.add(n.asText()));
    if (!prefix.isEmpty() && !names.isEmpty()) {
      throw new Refused("InvalidParameterException", "logStreamNames and logStreamNamePrefix are exclusive");
    }
    long from = r.path("startTime").asLong(Long.MIN_VALUE); // inclusive, as CloudWatch Logs reads it
    if (r.path("startTime").asLong(0) > 0) {
      fromCalls.incrementAndGet();
    }
    List<Event> matched = new ArrayList<>();
    g.forEach((stream, events) -> {
      if (names.isEmpty() ? stream.startsWith(prefix) : names.contains(stream)) {
        synchronized (events) {
          events.stream().filter(e -> e.timestamp() >= from).forEach(matched::add);
        }
      }
    });
    matched.sort(Comparator.comparingLong(Event::timestamp).thenComparing(Event::stream)
        .thenComparingInt(Event::sequence));
    int start = from(r.path("nextToken"), "n/");
    int end = Math.min(matched.size(), start + limit(r));
    ObjectNode out = JSON.createObjectNode();
    out.set("events", events(matched.subList(start, end), true));
    out.putArray("searchedLogStreams");
    if (end < matched.size()) {
      out.put("nextToken", "n/" + end);
    }
    return out;
  }

  private static ArrayNode events(List<Event> events, boolean filtered) {
    ArrayNode a = JSON.createArrayNode();
    for (Event e : events) {
      ObjectNode o = a.addObject();
      if (filtered) {
        o.put("logStreamName", e.stream()).put("eventId", Integer.toString(e.sequence()));
      }
      o.put("timestamp", e.timestamp()).put("message", e.message()).put("ingestionTime", e.ingested());
    }
    return a;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
