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
 * Test-only: the few Glue Data Catalog operations a job's table needs, at the HTTP level (AWS JSON 1.1,
 * {@code X-Amz-Target: AWSGlue.<Operation>}), kept in memory: CreateDatabase, GetTable, CreateTable, UpdateTable,
 * CreatePartition (the Spark path), BatchCreatePartition (the Lambda path; a partition that exists is an entry of its
 * {@code Errors}, as Glue answers), GetPartitions, BatchDeletePartition; and for Iceberg's GlueCatalog GetDatabase,
 * DeleteTable, and a
 * {@code VersionId} on every table version, which an UpdateTable naming another one is refused for
 * ({@code ConcurrentModificationException}: optimistic locking). Requests are answered one at a time. There is no local Glue stand-in in Pier; this answers as
 * Glue's API reference describes, errors as {@code {"__type": …}} with status 400.
 */
public final class GlueStandIn implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  public final Map<String, JsonNode> databases = new ConcurrentHashMap<>();
  public final Map<String, JsonNode> tables = new ConcurrentHashMap<>();
  public final Map<String, JsonNode> partitions = new ConcurrentHashMap<>();
  /** UpdateTable calls refused because their VersionId was not the table's (another writer committed first). */
  public final java.util.concurrent.atomic.AtomicInteger versionConflicts = new java.util.concurrent.atomic.AtomicInteger();
  /** UpdateTable calls that named the VersionId they were based on (Iceberg's commits do). */
  public final java.util.concurrent.atomic.AtomicInteger versionedUpdates = new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicInteger versions = new java.util.concurrent.atomic.AtomicInteger();
  private final HttpServer server;

  public GlueStandIn() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private void handle(HttpExchange x) throws IOException {
    String target = x.getRequestHeaders().getFirst("X-Amz-Target");
    JsonNode in = JSON.readTree(x.getRequestBody());
    String op = target == null ? "" : target.substring(target.indexOf('.') + 1);
    ObjectNode out = JSON.createObjectNode();
    int status = 200;
    if (op.equals("UpdateTable") && in.hasNonNull("VersionId")) { // optimistic locking, as Iceberg's GlueCatalog uses
      versionedUpdates.incrementAndGet();
      JsonNode current = tables.get(in.path("DatabaseName").asText() + "." + in.path("TableInput").path("Name").asText());
      if (current != null && !in.get("VersionId").asText().equals(current.path("VersionId").asText())) {
        versionConflicts.incrementAndGet();
        op = "refused";
        status = error(out, "ConcurrentModificationException", "Update table failed due to concurrent modifications:"
            + " version " + in.get("VersionId").asText() + " is not the table's " + current.path("VersionId").asText());
      }
    }
    switch (op) {
      case "refused" -> { } // answered above
      case "GetDatabase" -> {
        JsonNode d = databases.get(in.path("Name").asText());
        if (d == null) {
          status = error(out, "EntityNotFoundException", "Database " + in.path("Name").asText() + " not found");
        } else {
          out.set("Database", d);
        }
      }
      case "DeleteTable" -> {
        if (tables.remove(in.path("DatabaseName").asText() + "." + in.path("Name").asText()) == null) {
          status = error(out, "EntityNotFoundException", "Table " + in.path("Name").asText() + " not found");
        }
      }
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
      case "CreateTable" -> {
        String db = in.path("DatabaseName").asText();
        ObjectNode t = ((ObjectNode) in.get("TableInput")).deepCopy();
        t.put("DatabaseName", db);
        if (!databases.containsKey(db)) {
          status = error(out, "EntityNotFoundException", "Database " + db + " not found");
        } else if (tables.putIfAbsent(db + "." + t.path("Name").asText(), t) != null) {
          status = error(out, "AlreadyExistsException", "Table already exists");
        }
      }
      case "CreatePartition" -> {
        String key = in.path("DatabaseName").asText() + "." + in.path("TableName").asText() + "/"
            + in.path("PartitionInput").path("Values");
        if (!tables.containsKey(in.path("DatabaseName").asText() + "." + in.path("TableName").asText())) {
          status = error(out, "EntityNotFoundException", "Table not found");
        } else if (partitions.putIfAbsent(key, in.get("PartitionInput")) != null) {
          status = error(out, "AlreadyExistsException", "Partition already exists");
        }
      }
      case "BatchCreatePartition" -> {
        String table = in.path("DatabaseName").asText() + "." + in.path("TableName").asText();
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
      case "UpdateTable" -> {
        String db = in.path("DatabaseName").asText();
        ObjectNode t = ((ObjectNode) in.get("TableInput")).deepCopy();
        t.put("DatabaseName", db);
        if (tables.replace(db + "." + t.path("Name").asText(), t) == null) {
          status = error(out, "EntityNotFoundException", "Table " + t.path("Name").asText() + " not found");
        }
      }
      case "GetPartitions" -> { // one page: the stand-in holds few
        String prefix = in.path("DatabaseName").asText() + "." + in.path("TableName").asText() + "/";
        var list = out.putArray("Partitions");
        partitions.forEach((k, v) -> {
          if (k.startsWith(prefix)) {
            list.add(v);
          }
        });
      }
      case "BatchDeletePartition" -> {
        String prefix = in.path("DatabaseName").asText() + "." + in.path("TableName").asText() + "/";
        for (JsonNode p : in.path("PartitionsToDelete")) {
          partitions.remove(prefix + p.path("Values"));
        }
        out.putArray("Errors");
      }
      default -> status = error(out, "InvalidInputException", "operation " + op + " is not in this stand-in");
    }
    if (status == 200 && (op.equals("CreateTable") || op.equals("UpdateTable"))) { // each version of a table: an id
      String key = in.path("DatabaseName").asText() + "." + in.path("TableInput").path("Name").asText();
      tables.computeIfPresent(key, (k, t) -> ((ObjectNode) t).put("VersionId",
          Integer.toString(versions.incrementAndGet())));
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
