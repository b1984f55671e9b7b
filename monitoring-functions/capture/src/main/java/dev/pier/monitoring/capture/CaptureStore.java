package dev.pier.monitoring.capture;

import dev.pier.kernel.aws.S3Create;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.security.privacy.PiiFields;
import dev.pier.security.privacy.PiiMasker;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Captured predictions in S3, one object per batch and hour, in Pier's binary capture batch format
 * ({@link CaptureCodec}):
 *
 * <pre>
 *   captures/&lt;model&gt;/&lt;version&gt;/&lt;yyyy&gt;/&lt;mm&gt;/&lt;dd&gt;/&lt;hh&gt;/&lt;first-epoch-ms&gt;-&lt;writer&gt;-&lt;seq&gt;.cap
 * </pre>
 *
 * Each row has its request id, row, time, way in, latency (when known), inputs and outputs by column. Objects that
 * earlier versions wrote as gzip'd JSON Lines ({@code .jsonl.gz}, one {@code {"request_id", "row", "time", "way_in",
 * "latency_ms", "inputs": {…}, "outputs": {…}}} per line) are read as well. The writer id is made
 * up per store instance, so servers and Lambdas writing the same hour never collide, and objects are written with
 * {@code If-None-Match: *}. Inputs marked as personal data ({@link PiiFields}, by input or by column of an input) are
 * written as {@code [PII]}; other strings pass {@link PiiMasker}. Thread-safe.
 */
public final class CaptureStore {
  public static final String PREFIX = "captures/";
  /** A capture object's name ends so ({@link CaptureCodec}'s binary batch); {@code .jsonl.gz} ones are still read. */
  public static final String SUFFIX = ".cap";
  static final String CONTENT_TYPE = "application/vnd.pier.capture";
  private static final String JSON_LINES = ".jsonl.gz";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final S3Client s3;
  private final String bucket;
  private final String writer = UUID.randomUUID().toString().substring(0, 8);
  private final AtomicLong sequence = new AtomicLong();

  public CaptureStore(S3Client s3, String bucket) {
    this.s3 = s3;
    this.bucket = bucket;
  }

  /** The hour's prefix of a model version's captures. */
  public static String hourPrefix(String model, long version, Instant hour) {
    return hourPrefix(PREFIX, model, version, hour);
  }

  /** {@code <root><model>/<version>/<yyyy>/<mm>/<dd>/<hh>/}: the layout captures and their profiles share. */
  public static String hourPrefix(String root, String model, long version, Instant hour) {
    ZonedDateTime t = hour.atZone(ZoneOffset.UTC);
    return String.format("%s%s/%d/%04d/%02d/%02d/%02d/", root, model, version, t.getYear(), t.getMonthValue(),
        t.getDayOfMonth(), t.getHour());
  }

  /**
   * The rows grouped by (model, version, hour), by their hour's prefix under {@code root}, in prefix order. The prefix
   * is formatted once per group, not per row (it was a tenth of the capture writer's time).
   */
  public static Map<String, List<CapturedPrediction>> byHour(String root, List<CapturedPrediction> rows) {
    record Hour(String model, long version, long hour) {
    }
    Map<Hour, List<CapturedPrediction>> groups = new java.util.HashMap<>();
    Hour last = null;
    List<CapturedPrediction> group = null;
    for (CapturedPrediction row : rows) {
      long hour = Math.floorDiv(row.time().getEpochSecond(), 3_600);
      if (last == null || last.hour() != hour || last.version() != row.version() || !last.model().equals(row.model())) {
        last = new Hour(row.model(), row.version(), hour);
        group = groups.computeIfAbsent(last, k -> new ArrayList<>());
      }
      group.add(row);
    }
    Map<String, List<CapturedPrediction>> out = new TreeMap<>();
    groups.forEach((h, list) -> out.put(hourPrefix(root, h.model(), h.version(), Instant.ofEpochSecond(h.hour() * 3_600)),
        list));
    return out;
  }

  /** Writes rows, one object per (model, version, hour) among them; returns the keys written. */
  public List<String> write(List<CapturedPrediction> rows) {
    CaptureBatch batch = new CaptureBatch();
    rows.forEach(batch::add);
    return write(batch);
  }

  /** Writes a columnar batch, one PCB2 object per (model, version, hour) in it; returns the keys written. */
  public List<String> write(CaptureBatch batch) {
    List<String> keys = new ArrayList<>();
    for (CaptureBatch.Hour hour : batch.hours()) {
      String key = hourPrefix(hour.model(), hour.version(), hour.hour()) + hour.epochMillis(0) + "-" + writer + "-"
          + sequence.incrementAndGet() + SUFFIX;
      CaptureCodec.Encoded body = CaptureCodec.encodeUncopied(hour); // RequestBody.fromBytes would copy it again
      S3Create.once(s3, b -> b.bucket(bucket).key(key).contentType(CONTENT_TYPE),
          RequestBody.fromContentProvider(body::stream, body.length(), CONTENT_TYPE));
      keys.add(key);
    }
    return keys;
  }

  /** A model version's captured rows with {@code from ≤ time < to}, in object order (by hour, then by batch). */
  public List<CapturedRow> read(String model, long version, Instant from, Instant to) {
    List<CapturedRow> out = new ArrayList<>();
    for (Instant hour = from.truncatedTo(ChronoUnit.HOURS); hour.isBefore(to); hour = hour.plus(1, ChronoUnit.HOURS)) {
      String prefix = hourPrefix(model, version, hour);
      for (S3Object object : s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket).prefix(prefix)
          .build()).contents()) {
        for (CapturedRow row : readObject(object.key())) {
          if (!row.time().isBefore(from) && row.time().isBefore(to)) {
            out.add(row);
          }
        }
      }
    }
    return out;
  }

  /**
   * A sample of a model version's captured rows with {@code from ≤ time < to} that reads a few objects rather than the
   * window: the window's capture objects are listed (keys only), at most {@code objects} of them, evenly spaced in
   * time order, are read, and at most {@code max} of their rows in the window, evenly spaced, are kept. Objects are
   * named by their first row's time, so one that starts at or after {@code to} is never read.
   */
  public Sample sample(String model, long version, Instant from, Instant to, int objects, int max) {
    List<String> keys = new ArrayList<>();
    for (Instant hour = from.truncatedTo(ChronoUnit.HOURS); hour.isBefore(to); hour = hour.plus(1, ChronoUnit.HOURS)) {
      String prefix = hourPrefix(model, version, hour);
      for (S3Object object : s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket).prefix(prefix)
          .build()).contents()) {
        if (firstMillis(object.key().substring(prefix.length())) < to.toEpochMilli()) {
          keys.add(object.key());
        }
      }
    }
    List<CapturedRow> read = new ArrayList<>();
    List<String> chosen = evenlySpaced(keys, objects);
    for (String key : chosen) {
      for (CapturedRow row : readObject(key)) {
        if (!row.time().isBefore(from) && row.time().isBefore(to)) {
          read.add(row);
        }
      }
    }
    return new Sample(evenlySpaced(read, max), chosen.size(), keys.size());
  }

  /**
   * Rows sampled from the window's capture objects.
   *
   * @param objectsRead how many objects were read
   * @param objectsInWindow how many objects the window has
   */
  public record Sample(List<CapturedRow> rows, int objectsRead, int objectsInWindow) {}

  /** At most {@code n} of {@code items}, evenly spaced and in order (the first always among them). */
  public static <T> List<T> evenlySpaced(List<T> items, int n) {
    if (items.size() <= n) {
      return items;
    }
    List<T> out = new ArrayList<>(n);
    double step = items.size() / (double) n;
    for (int i = 0; i < n; i++) {
      out.add(items.get((int) (i * step)));
    }
    return out;
  }

  /** {@code <first-epoch-ms>-<writer>-<seq>.jsonl.gz} → the epoch ms; a name of another form sorts first. */
  private static long firstMillis(String name) {
    int dash = name.indexOf('-');
    try {
      return dash > 0 ? Long.parseLong(name.substring(0, dash)) : Long.MIN_VALUE;
    } catch (NumberFormatException e) {
      return Long.MIN_VALUE;
    }
  }

  /**
   * A captured row as read back (values as JSON gave them: numbers, strings, booleans, null, lists).
   *
   * @param latencyMs its request's latency in milliseconds, or null when it was not recorded
   */
  public record CapturedRow(String requestId, int row, Instant time, String wayIn, Map<String, Object> inputs,
      Map<String, Object> outputs, Double latencyMs) {

    public CapturedRow(String requestId, int row, Instant time, String wayIn, Map<String, Object> inputs,
        Map<String, Object> outputs) {
      this(requestId, row, time, wayIn, inputs, outputs, null);
    }
  }

  private List<CapturedRow> readObject(String key) {
    if (!key.endsWith(JSON_LINES)) {
      try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(key))) {
        return CaptureCodec.decode(new java.io.BufferedInputStream(in, 65_536), key);
      } catch (IOException e) {
        throw new UncheckedIOException("could not read capture " + key, e);
      }
    }
    List<CapturedRow> rows = new ArrayList<>(); // written by Pier before the binary batches
    try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(key));
        BufferedReader lines = new BufferedReader(new InputStreamReader(new GZIPInputStream(in),
            StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode n = JSON.readTree(line);
        rows.add(new CapturedRow(n.path("request_id").asText(null), n.path("row").asInt(),
            Instant.parse(n.path("time").asText()), n.path("way_in").asText(null), map(n.get("inputs")),
            map(n.get("outputs")), n.path("latency_ms").isNumber() ? n.get("latency_ms").doubleValue() : null));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not read capture " + key, e);
    }
    return rows;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(JsonNode node) {
    return node == null || node.isNull() ? Map.of() : JSON.convertValue(node, LinkedHashMap.class);
  }

  /**
   * The rows as gzip JSON Lines: the format before {@link CaptureCodec}, kept for {@code CaptureWriterCost}'s
   * comparison and for tests of reading such objects.
   */
  static byte[] encodeJsonLines(List<CapturedPrediction> rows) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(512, rows.size() * 64));
    try (OutputStream gz = new FastGzip(bytes);
        JsonGenerator json = JSON.getFactory().createGenerator(gz)) {
      json.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
      Instant lastTime = null;
      String lastTimeText = null;
      for (CapturedPrediction row : rows) {
        if (!row.time().equals(lastTime)) {
          lastTime = row.time();
          lastTimeText = lastTime.toString();
        }
        json.writeStartObject();
        json.writeStringField("request_id", row.requestId());
        json.writeNumberField("row", row.row());
        json.writeStringField("time", lastTimeText);
        json.writeStringField("way_in", row.wayIn());
        if (Double.isFinite(row.latencyMs())) {
          json.writeNumberField("latency_ms", row.latencyMs());
        }
        writeColumns(json, "inputs", row.inputs(), row.pii());
        writeColumns(json, "outputs", row.outputs(), PiiFields.NONE);
        json.writeEndObject();
        json.writeRaw('\n');
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static void writeColumns(JsonGenerator json, String field, Map<String, ?> columns, PiiFields pii)
      throws IOException {
    json.writeObjectFieldStart(field);
    if (columns != null) {
      for (Map.Entry<String, ?> cell : columns.entrySet()) {
        json.writeFieldName(cell.getKey());
        Object value = cell.getValue();
        if (value != null && pii.marks(cell.getKey())) {
          json.writeString(PiiFields.TAG);
        } else {
          switch (value) {
            case null -> json.writeNull();
            case Double d -> json.writeNumber(d);
            case Float f -> json.writeNumber(f);
            case Long l -> json.writeNumber(l);
            case Integer i -> json.writeNumber(i);
            case Boolean b -> json.writeBoolean(b);
            case CharSequence s -> json.writeString(PiiMasker.mask(s.toString()));
            default -> json.writeObject(value); // other numbers, lists of values
          }
        }
      }
    }
    json.writeEndObject();
  }

  /** gzip at {@link java.util.zip.Deflater#BEST_SPEED}, with a 64 KB buffer. */
  private static final class FastGzip extends GZIPOutputStream {
    FastGzip(OutputStream out) throws IOException {
      super(out, 65_536);
      def.setLevel(java.util.zip.Deflater.BEST_SPEED);
    }
  }
}
