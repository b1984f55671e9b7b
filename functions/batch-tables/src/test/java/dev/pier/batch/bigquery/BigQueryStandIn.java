package dev.pier.batch.bigquery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.bigquery.storage.v1.AppendRowsRequest;
import com.google.cloud.bigquery.storage.v1.AppendRowsResponse;
import com.google.cloud.bigquery.storage.v1.BatchCommitWriteStreamsRequest;
import com.google.cloud.bigquery.storage.v1.BatchCommitWriteStreamsResponse;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteGrpc;
import com.google.cloud.bigquery.storage.v1.CreateWriteStreamRequest;
import com.google.cloud.bigquery.storage.v1.FinalizeWriteStreamRequest;
import com.google.cloud.bigquery.storage.v1.FinalizeWriteStreamResponse;
import com.google.cloud.bigquery.storage.v1.GetWriteStreamRequest;
import com.google.cloud.bigquery.storage.v1.StorageError;
import com.google.cloud.bigquery.storage.v1.WriteStream;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Int64Value;
import com.google.protobuf.Timestamp;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test-only: the parts of BigQuery a job's table needs, in memory, at the wire level Google's clients speak — the REST
 * API v2's {@code tables.get}, {@code tables.insert} and {@code tables.delete} (JSON over HTTP, errors as
 * {@code {"error": {"code", "message", "errors": [{"reason"}]}}}) and the Storage Write API v1 over gRPC
 * ({@code CreateWriteStream}, {@code AppendRows} with offsets, {@code FinalizeWriteStream},
 * {@code BatchCommitWriteStreams}, {@code GetWriteStream}): rows decoded with the writer schema and checked against
 * the table's columns, visible only once their pending stream is committed. No queries, no other stream types'
 * semantics, no quotas or authentication. Failures can be injected: the next append answered with an error, or the
 * next commit done and then answered with an error (as when the answer is lost).
 */
public final class BigQueryStandIn implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  public final Set<String> datasets = ConcurrentHashMap.newKeySet();
  public final Map<String, ObjectNode> tables = new ConcurrentHashMap<>();
  public final Map<String, List<Map<String, Object>>> rows = new ConcurrentHashMap<>();
  public final Map<String, Stream> streams = new ConcurrentHashMap<>();
  public final AtomicInteger commits = new AtomicInteger();
  public volatile boolean failNextAppend;
  public volatile boolean loseNextCommitAnswer;
  private final HttpServer rest;
  private final Server grpc;

  /** A write stream: its table, rows appended so far, and whether finalized and committed. */
  public static final class Stream {
    public final String table;
    public final List<Map<String, Object>> rows = new ArrayList<>();
    public volatile boolean finalized;
    public volatile Timestamp committed;

    public Stream(String table) {
      this.table = table;
    }
  }

  public BigQueryStandIn() throws IOException {
    rest = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    rest.createContext("/", this::handle);
    rest.start();
    grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new Write()).build()
        .start();
  }

  public String restEndpoint() {
    return "http://127.0.0.1:" + rest.getAddress().getPort();
  }

  public String writeEndpoint() {
    return "127.0.0.1:" + grpc.getPort();
  }

  /** What a job reads to reach this stand-in (a Spark job's child JVM, the batch worker). */
  public Map<String, String> env() {
    return Map.of("PIER_BIGQUERY_ENDPOINT", restEndpoint(), "PIER_BIGQUERY_WRITE_ENDPOINT", writeEndpoint(),
        "PIER_BIGQUERY_CREDENTIALS", "none");
  }

  public BigQueryConnection connection() {
    return new BigQueryConnection(restEndpoint(), writeEndpoint(), "none");
  }

  // --- REST: /bigquery/v2/projects/{p}/datasets/{d}/tables[/{t}] ---

  private void handle(HttpExchange x) throws IOException {
    try {
      answer(x);
    } catch (IOException | RuntimeException e) {
      e.printStackTrace(); // a stand-in bug: the client sees the connection close
      throw e;
    }
  }

  private void answer(HttpExchange x) throws IOException {
    String[] path = x.getRequestURI().getPath().split("/");
    // ["", "bigquery", "v2", "projects", p, "datasets", d, "tables", t?]
    int status;
    JsonNode out;
    if (path.length < 8 || !"tables".equals(path[7])) {
      status = 404;
      out = error(404, "notFound", "Not found: " + x.getRequestURI().getPath() + " (not in this stand-in)");
    } else {
      String dataset = path[4] + "." + path[6];
      String method = x.getRequestMethod();
      if (path.length == 8 && method.equals("POST")) {
        ObjectNode t = (ObjectNode) JSON.readTree("gzip".equals(x.getRequestHeaders().getFirst("Content-Encoding"))
            ? new java.util.zip.GZIPInputStream(x.getRequestBody()) : x.getRequestBody()); // Google's client gzips
        String key = dataset + "." + t.path("tableReference").path("tableId").asText();
        t.put("kind", "bigquery#table").put("id", path[4] + ":" + path[6] + "."
            + t.path("tableReference").path("tableId").asText()).put("type", "TABLE")
            .put("creationTime", Long.toString(System.currentTimeMillis()));
        if (!datasets.contains(dataset)) {
          status = 404;
          out = error(404, "notFound", "Not found: Dataset " + path[4] + ":" + path[6]);
        } else if (tables.putIfAbsent(key, t) != null) {
          status = 409;
          out = error(409, "duplicate", "Already Exists: Table " + t.path("id").asText());
        } else {
          rows.put(key, java.util.Collections.synchronizedList(new ArrayList<>()));
          status = 200;
          out = t;
        }
      } else if (path.length == 9) {
        String key = dataset + "." + path[8];
        ObjectNode t = tables.get(key);
        if (t == null) {
          status = 404;
          out = error(404, "notFound", "Not found: Table " + path[4] + ":" + path[6] + "." + path[8]);
        } else if (method.equals("GET")) {
          status = 200;
          out = t;
        } else if (method.equals("DELETE")) {
          tables.remove(key);
          rows.remove(key);
          status = 204;
          out = null;
        } else {
          status = 405;
          out = error(405, "badRequest", method + " is not in this stand-in");
        }
      } else {
        status = 405;
        out = error(405, "badRequest", x.getRequestMethod() + " " + x.getRequestURI() + " is not in this stand-in");
      }
    }
    if (out == null) {
      x.sendResponseHeaders(status, -1);
    } else {
      byte[] body = out.toString().getBytes(StandardCharsets.UTF_8);
      x.getResponseHeaders().add("Content-Type", "application/json; charset=UTF-8");
      x.sendResponseHeaders(status, body.length);
      x.getResponseBody().write(body);
    }
    x.close();
  }

  private static JsonNode error(int code, String reason, String message) {
    ObjectNode e = JSON.createObjectNode();
    ObjectNode inner = e.putObject("error").put("code", code).put("message", message);
    inner.putArray("errors").addObject().put("message", message).put("domain", "global").put("reason", reason);
    return e;
  }

  /** A table's columns as {@code name → [TYPE, MODE]}, names lower-cased. */
  private Map<String, String[]> columns(String table) {
    Map<String, String[]> out = new LinkedHashMap<>();
    for (JsonNode f : tables.get(table).path("schema").path("fields")) {
      out.put(f.path("name").asText().toLowerCase(Locale.ROOT),
          new String[] {f.path("type").asText(), f.path("mode").asText("NULLABLE")});
    }
    return out;
  }

  // --- Storage Write API ---

  private final class Write extends BigQueryWriteGrpc.BigQueryWriteImplBase {
    @Override
    public void createWriteStream(CreateWriteStreamRequest request, StreamObserver<WriteStream> answer) {
      String table = key(request.getParent());
      if (table == null || !tables.containsKey(table)) {
        answer.onError(Status.NOT_FOUND.withDescription("Requested entity was not found: " + request.getParent())
            .asRuntimeException());
        return;
      }
      String name = request.getParent() + "/streams/" + UUID.randomUUID();
      streams.put(name, new Stream(table));
      answer.onNext(WriteStream.newBuilder().setName(name).setType(request.getWriteStream().getType())
          .setCreateTime(now()).build());
      answer.onCompleted();
    }

    @Override
    public StreamObserver<AppendRowsRequest> appendRows(StreamObserver<AppendRowsResponse> answer) {
      return new StreamObserver<>() {
        private String name;
        private Descriptors.Descriptor descriptor;

        @Override
        public void onNext(AppendRowsRequest r) {
          if (!r.getWriteStream().isEmpty()) {
            name = r.getWriteStream();
          }
          if (r.getProtoRows().hasWriterSchema()) {
            try {
              descriptor = Descriptors.FileDescriptor.buildFrom(FileDescriptorProto.newBuilder().setName("w.proto")
                  .addMessageType(r.getProtoRows().getWriterSchema().getProtoDescriptor()).build(),
                  new Descriptors.FileDescriptor[0]).getMessageTypes().get(0);
            } catch (Descriptors.DescriptorValidationException e) {
              answer.onNext(failed(com.google.rpc.Code.INVALID_ARGUMENT, "invalid writer schema: " + e.getMessage()));
              return;
            }
          }
          Stream s = name == null ? null : streams.get(name);
          if (s == null) {
            answer.onNext(failed(com.google.rpc.Code.NOT_FOUND, "stream not found: " + name));
            return;
          }
          if (descriptor == null) {
            answer.onNext(failed(com.google.rpc.Code.INVALID_ARGUMENT, "the first request must carry a writer schema"));
            return;
          }
          if (failNextAppend) {
            failNextAppend = false;
            answer.onNext(failed(com.google.rpc.Code.INTERNAL, "stand-in: injected append failure"));
            return;
          }
          synchronized (s) {
            if (s.finalized) {
              answer.onNext(failed(com.google.rpc.Code.INVALID_ARGUMENT, "stream is finalized: " + name));
              return;
            }
            long offset = r.hasOffset() ? r.getOffset().getValue() : s.rows.size();
            if (offset < s.rows.size()) {
              answer.onNext(failed(com.google.rpc.Code.ALREADY_EXISTS, "offset " + offset + " already appended"));
              return;
            }
            if (offset > s.rows.size()) {
              answer.onNext(failed(com.google.rpc.Code.OUT_OF_RANGE, "offset " + offset + " is past the end ("
                  + s.rows.size() + ")"));
              return;
            }
            List<Map<String, Object>> decoded = new ArrayList<>();
            try {
              for (var bytes : r.getProtoRows().getRows().getSerializedRowsList()) {
                decoded.add(decode(columns(s.table), DynamicMessage.parseFrom(descriptor, bytes)));
              }
            } catch (IllegalArgumentException | IOException e) {
              answer.onNext(failed(com.google.rpc.Code.INVALID_ARGUMENT, e.getMessage()));
              return;
            }
            s.rows.addAll(decoded);
            answer.onNext(AppendRowsResponse.newBuilder().setWriteStream(name).setAppendResult(
                AppendRowsResponse.AppendResult.newBuilder().setOffset(Int64Value.of(offset))).build());
          }
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          answer.onCompleted();
        }
      };
    }

    @Override
    public void finalizeWriteStream(FinalizeWriteStreamRequest request,
        StreamObserver<FinalizeWriteStreamResponse> answer) {
      Stream s = streams.get(request.getName());
      if (s == null) {
        answer.onError(Status.NOT_FOUND.withDescription("stream not found").asRuntimeException());
        return;
      }
      synchronized (s) {
        s.finalized = true;
        answer.onNext(FinalizeWriteStreamResponse.newBuilder().setRowCount(s.rows.size()).build());
      }
      answer.onCompleted();
    }

    @Override
    public void batchCommitWriteStreams(BatchCommitWriteStreamsRequest request,
        StreamObserver<BatchCommitWriteStreamsResponse> answer) {
      BatchCommitWriteStreamsResponse.Builder out = BatchCommitWriteStreamsResponse.newBuilder();
      for (String name : request.getWriteStreamsList()) {
        Stream s = streams.get(name);
        StorageError.StorageErrorCode code = s == null ? StorageError.StorageErrorCode.STREAM_NOT_FOUND
            : s.committed != null ? StorageError.StorageErrorCode.STREAM_ALREADY_COMMITTED
            : !s.finalized ? StorageError.StorageErrorCode.INVALID_STREAM_STATE : null;
        if (code != null) {
          out.addStreamErrors(StorageError.newBuilder().setCode(code).setEntity(name)
              .setErrorMessage(code + ": " + name));
        }
      }
      if (out.getStreamErrorsCount() == 0) { // all or none
        Timestamp at = now();
        for (String name : request.getWriteStreamsList()) {
          Stream s = streams.get(name);
          s.committed = at;
          rows.get(s.table).addAll(s.rows);
        }
        out.setCommitTime(at);
        commits.incrementAndGet();
        if (loseNextCommitAnswer) {
          loseNextCommitAnswer = false;
          answer.onError(Status.INTERNAL.withDescription("stand-in: the commit's answer was lost")
              .asRuntimeException());
          return;
        }
      }
      answer.onNext(out.build());
      answer.onCompleted();
    }

    @Override
    public void getWriteStream(GetWriteStreamRequest request, StreamObserver<WriteStream> answer) {
      Stream s = streams.get(request.getName());
      if (s == null) {
        answer.onError(Status.NOT_FOUND.withDescription("stream not found").asRuntimeException());
        return;
      }
      WriteStream.Builder w = WriteStream.newBuilder().setName(request.getName()).setType(WriteStream.Type.PENDING);
      if (s.committed != null) {
        w.setCommitTime(s.committed);
      }
      answer.onNext(w.build());
      answer.onCompleted();
    }
  }

  /** A row as column → value (a list for a repeated column, a LocalDate for a date), checked against the table. */
  private static Map<String, Object> decode(Map<String, String[]> columns, DynamicMessage m) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (var f : m.getDescriptorForType().getFields()) {
      String[] column = columns.get(f.getName().toLowerCase(Locale.ROOT));
      if (column == null) {
        throw new IllegalArgumentException("Input schema has a field '" + f.getName() + "' the table does not have");
      }
      boolean repeated = column[1].equals("REPEATED");
      String type = column[0];
      boolean fits = switch (f.getType()) {
        case STRING -> type.equals("STRING");
        case INT64 -> type.equals("INTEGER") || type.equals("INT64") || type.equals("TIMESTAMP");
        case DOUBLE, FLOAT -> type.equals("FLOAT") || type.equals("FLOAT64");
        case BOOL -> type.equals("BOOLEAN") || type.equals("BOOL");
        case INT32 -> type.equals("DATE") || type.equals("INTEGER") || type.equals("INT64");
        default -> false;
      };
      if (!fits || repeated != f.isRepeated()) {
        throw new IllegalArgumentException("field '" + f.getName() + "' (" + f.getType() + (f.isRepeated()
            ? ", repeated" : "") + ") cannot be written to column " + type + " " + column[1]);
      }
      if (f.isRepeated()) {
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < m.getRepeatedFieldCount(f); i++) {
          values.add(m.getRepeatedField(f, i));
        }
        out.put(f.getName(), values);
      } else if (m.hasField(f)) {
        Object v = m.getField(f);
        out.put(f.getName(), type.equals("DATE") ? LocalDate.ofEpochDay((Integer) v) : v);
      } else {
        out.put(f.getName(), null);
      }
    }
    return out;
  }

  private static AppendRowsResponse failed(com.google.rpc.Code code, String message) {
    return AppendRowsResponse.newBuilder().setError(com.google.rpc.Status.newBuilder().setCode(code.getNumber())
        .setMessage(message)).build();
  }

  private static Timestamp now() {
    long ms = System.currentTimeMillis();
    return Timestamp.newBuilder().setSeconds(ms / 1000).setNanos((int) (ms % 1000) * 1_000_000).build();
  }

  /** {@code projects/p/datasets/d/tables/t} → {@code p.d.t}. */
  private static String key(String path) {
    String[] p = path.split("/");
    return p.length == 6 ? p[1] + "." + p[3] + "." + p[5] : null;
  }

  @Override
  public void close() {
    grpc.shutdownNow();
    rest.stop(0);
  }
}
