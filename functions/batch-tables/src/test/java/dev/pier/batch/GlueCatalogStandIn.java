package dev.pier.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Test-only: the Glue Data Catalog operations a Lambda-path table output calls, at the HTTP level (AWS JSON 1.1,
 * {@code X-Amz-Target: AWSGlue.<Operation>}), in memory: CreateDatabase, GetTable, CreateTable, UpdateTable,
 * GetPartitions, BatchDeletePartition, BatchCreatePartition (a partition that exists is an entry of its
 * {@code Errors}, as Glue answers). The Spark module's tests have their own (this module cannot see its test
 * classes, and Spark's Parquet keeps this module's worker out of that module's test JVM).
 */
final class GlueCatalogStandIn implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  final Map<String, JsonNode> databases = new ConcurrentHashMap<>();
  final Map<String, JsonNode> tables = new ConcurrentHashMap<>();
  final Map<String, JsonNode> partitions = new ConcurrentHashMap<>();
  private final HttpServer server;

  GlueCatalogStandIn() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private void handle(HttpExchange x) throws IOException {
    String target = x.getRequestHeaders().getFirst("X-Amz-Target");
    JsonNode in = JSON.readTree(x.getRequestBody());
    String op = target == null ? "" : target.substring(target.indexOf('.') + 1);
    String table = in.path("DatabaseName").asText() + "." + in.path("TableName").asText();
    ObjectNode out = JSON.createObjectNode();
    int status = 200;
    switch (op) {
      case "CreateDatabase" -> {
        String name = in.path("DatabaseInput").path("Name").asText();
        if (databases.putIfAbsent(name, in.get("DatabaseInput")) != null) {
          status = error(out, "AlreadyExistsException", "Database " + name + " already exists");
        }
      }
      case "GetTable" -> {
        JsonNode t = tables.get(in.path("DatabaseName").asText() + "." + in.path("Name").asText());
        if (t == null) {
          status = error(out, "EntityNotFoundException", "Table " + in.path("Name").asText() + " not found");
        } else {
          out.set("Table", t);
        }
      }
      case "CreateTable", "UpdateTable" -> {
        String db = in.path("DatabaseName").asText();
        ObjectNode t = ((ObjectNode) in.get("TableInput")).deepCopy();
        t.put("DatabaseName", db);
        String key = db + "." + t.path("Name").asText();
        if (!databases.containsKey(db)) {
          status = error(out, "EntityNotFoundException", "Database " + db + " not found");
        } else if (op.equals("CreateTable") && tables.putIfAbsent(key, t) != null) {
          status = error(out, "AlreadyExistsException", "Table already exists");
        } else if (op.equals("UpdateTable") && tables.replace(key, t) == null) {
          status = error(out, "EntityNotFoundException", "Table not found");
        }
      }
      case "BatchCreatePartition" -> {
        var errors = out.putArray("Errors");
        if (!tables.containsKey(table)) {
          status = error(out, "EntityNotFoundException", "Table not found");
        } else {
          for (JsonNode p : in.path("PartitionInputList")) {
            if (partitions.putIfAbsent(table + "/" + p.path("Values"), p) != null) {
              errors.addObject().<ObjectNode>set("PartitionValues", p.path("Values")).putObject("ErrorDetail")
                  .put("ErrorCode", "AlreadyExistsException").put("ErrorMessage", "Partition already exists.");
            }
          }
        }
      }
      case "GetPartitions" -> { // one page: the stand-in holds few
        var list = out.putArray("Partitions");
        partitions.forEach((k, v) -> {
          if (k.startsWith(table + "/")) {
            list.add(v);
          }
        });
      }
      case "BatchDeletePartition" -> {
        for (JsonNode p : in.path("PartitionsToDelete")) {
          partitions.remove(table + "/" + p.path("Values"));
        }
        out.putArray("Errors");
      }
      default -> status = error(out, "InvalidInputException", "operation " + op + " is not in this stand-in");
    }
    byte[] body = out.toString().getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
    x.sendResponseHeaders(status, body.length);
    x.getResponseBody().write(body);
    x.close();
  }

  private static int error(ObjectNode out, String type, String message) {
    out.put("__type", type).put("Message", message);
    return 400;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
