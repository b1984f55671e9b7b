package dev.pier.monitoring.profile;

import dev.pier.kernel.aws.S3Create;
import dev.pier.monitoring.capture.CaptureStore;
import dev.pier.monitoring.capture.CapturedPrediction;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Profiles of captured predictions per model version and hour, in S3 next to the captures they summarise:
 *
 * <pre>
 *   profiles/&lt;model&gt;/&lt;version&gt;/&lt;yyyy&gt;/&lt;mm&gt;/&lt;dd&gt;/&lt;hh&gt;/&lt;writer&gt;-&lt;seq&gt;.profile
 * </pre>
 *
 * Every capture batch a writer flushes adds one profile object per hour it touches ({@link #capturing}); a run over a
 * large window merges the hours' objects ({@link #merged}) instead of reading rows, so its cost grows with the number
 * of columns and objects, not rows. Hourly granularity: a window is covered by the whole hours it overlaps. Each
 * object is indexed in DynamoDB ({@link ProfileIndex}) once stored, and a run finds its window's objects by one query
 * of that index. Profiles stored before the index existed are still read: for the hours of a window up to and
 * including the hour of the version's oldest index entry (every hour when it has none), the hour's prefix is listed
 * too and its keys added to the index's; later hours are the index's alone, so a window after the index's start costs
 * one query (plus, once per version and process, one single-item query for that start). Thread-safe.
 */
public final class ProfileStore {
  public static final String PREFIX = "profiles/";
  /** Objects merged at a time (fetched, read, then merged column by column in parallel). */
  static final int MERGE_BATCH = 64;
  /** Bytes of objects held at a time while merging: about 30 hourly profiles of 100 columns at 40,000 rows an hour. */
  static final long MERGE_BATCH_BYTES = 64L << 20;
  /** Concurrent GETs while fetching a batch. */
  static final int FETCHES = 8;
  /** The empty data profile a latency-only part carries; only ever merged from. */
  private static final DataProfile NO_ROWS = new DataProfile();

  private final S3Client s3;
  private final String bucket;
  private final String writer = UUID.randomUUID().toString().substring(0, 8);
  private final AtomicLong sequence = new AtomicLong();
  private final ProfileIndex index;
  /** Per "model#version", the hour of its oldest index entry ({@link #indexStart}). */
  private final Map<String, Instant> indexStarts = new java.util.concurrent.ConcurrentHashMap<>();

  /** Without an index: runs find the profiles by listing each hour's prefix in S3. */
  public ProfileStore(S3Client s3, String bucket) {
    this(s3, bucket, null);
  }

  /**
   * @param index where each stored profile is indexed and where runs find their window's profiles (one query);
   *     null lists each hour's prefix in S3 instead
   */
  public ProfileStore(S3Client s3, String bucket, ProfileIndex index) {
    this.s3 = s3;
    this.bucket = bucket;
    this.index = index;
  }

  public static String hourPrefix(String model, long version, Instant hour) {
    return CaptureStore.hourPrefix(PREFIX, model, version, hour);
  }

  /**
   * A capture writer for {@link dev.pier.monitoring.capture.CaptureBuffer} that writes each batch's rows through
   * {@code captures} and its profiles here — both off the request path, on the buffer's writer thread.
   */
  public Consumer<List<CapturedPrediction>> capturing(CaptureStore captures) {
    return batch -> {
      captures.write(batch);
      write(batch);
    };
  }

  /**
   * Profiles rows, one object per (model, version, hour) among them, each indexed once it is stored (a failed index
   * write fails the batch, as a failed object write does).
   */
  public void write(List<CapturedPrediction> rows) {
    CaptureStore.byHour(PREFIX, rows).forEach((prefix, hour) -> {
      CaptureProfile profile = new CaptureProfile();
      hour.forEach(profile::add);
      write(hour.getFirst(), profile);
    });
  }

  /**
   * Stores one more profile of the (model, version, hour) that {@code row} (one of the profiled rows) belongs to, and
   * indexes it when this store has an index.
   */
  public void write(CapturedPrediction row, CaptureProfile profile) {
    String key = hourPrefix(row.model(), row.version(), row.time()) + writer + "-" + sequence.incrementAndGet()
        + ".profile";
    S3Create.once(s3, b -> b.bucket(bucket).key(key).contentType("application/octet-stream"),
        RequestBody.fromBytes(profile.toBytes()));
    if (index != null) {
      List<String> columns = new ArrayList<>(profile.inputs().columns().keySet());
      columns.addAll(profile.outputs().columns().keySet());
      index.put(new ProfileIndex.Entry(row.model(), row.version(), row.time(), key, profile.rows(), columns));
    }
  }

  /** The merged profile of every hour that {@code [from, to)} overlaps. */
  public CaptureProfile merged(String model, long version, Instant from, Instant to) {
    CaptureProfile merged = new CaptureProfile();
    Map<Instant, List<String>> keys = keys(model, version, from, to);
    List<String> window = new ArrayList<>();
    for (Instant hour = from.truncatedTo(ChronoUnit.HOURS); hour.isBefore(to); hour = hour.plus(1, ChronoUnit.HOURS)) {
      window.addAll(keys.getOrDefault(hour, List.of()));
    }
    mergeInto(merged, window);
    return merged;
  }

  /** The merged profile of each hour in {@code [from, to)} that has any, oldest first. */
  public Map<Instant, CaptureProfile> hourly(String model, long version, Instant from, Instant to) {
    Map<Instant, CaptureProfile> out = new TreeMap<>();
    Map<Instant, List<String>> keys = keys(model, version, from, to);
    for (Instant hour = from.truncatedTo(ChronoUnit.HOURS); hour.isBefore(to); hour = hour.plus(1, ChronoUnit.HOURS)) {
      List<String> objects = keys.getOrDefault(hour, List.of());
      if (!objects.isEmpty()) {
        CaptureProfile merged = new CaptureProfile();
        mergeInto(merged, objects);
        out.put(hour, merged);
      }
    }
    return out;
  }

  /**
   * Merges the objects into {@code into}, in their order, a batch at a time: each batch's objects are fetched
   * concurrently ({@value #FETCHES} GETs at a time), read in place and merged column by column in parallel ({@link
   * DataProfile#mergeAll}); a batch holds at most {@value #MERGE_BATCH} objects or {@value #MERGE_BATCH_BYTES} bytes,
   * so a window of thousands of hourly objects is never in memory at once. Each column merges the objects in their
   * order, so the profile is the one merging them one by one gives.
   */
  private void mergeInto(CaptureProfile into, List<String> keys) {
    for (int from = 0; from < keys.size(); ) {
      List<byte[]> objects = new ArrayList<>();
      long bytes = 0;
      while (from < keys.size() && objects.size() < MERGE_BATCH && bytes < MERGE_BATCH_BYTES) {
        int to = Math.min(keys.size(), from + FETCHES);
        for (byte[] object : fetch(keys.subList(from, to))) {
          objects.add(object);
          bytes += object.length;
        }
        from = to;
      }
      mergeAll(into, objects.stream().map(CaptureProfile::fromBytes).toList());
    }
  }

  /**
   * Merges capture profiles into {@code into} as {@link CaptureProfile#merge} of each in turn would: inputs and outputs
   * column by column in parallel ({@link DataProfile#mergeAll}), then the requests' latencies.
   */
  public static void mergeAll(CaptureProfile into, List<CaptureProfile> parts) {
    into.inputs().mergeAll(parts.stream().map(CaptureProfile::inputs).toList());
    into.outputs().mergeAll(parts.stream().map(CaptureProfile::outputs).toList());
    for (CaptureProfile part : parts) { // requests and latencies: one small sketch per object
      into.merge(new CaptureProfile(NO_ROWS, NO_ROWS, part.requestLatency()));
    }
  }

  /** The objects' bytes, in the keys' order, fetched concurrently (one virtual thread per key). */
  private List<byte[]> fetch(List<String> keys) {
    if (keys.size() == 1) {
      return List.of(get(keys.getFirst()));
    }
    try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<byte[]>> gets = keys.stream().map(key -> threads.submit(() -> get(key))).toList();
      List<byte[]> out = new ArrayList<>(keys.size());
      for (Future<byte[]> get : gets) {
        out.add(get.get());
      }
      return out;
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading profiles", e);
    }
  }

  private byte[] get(String key) {
    return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
  }

  /**
   * The keys of the profile objects of every hour {@code [from, to)} overlaps, by hour: from the index (one query)
   * when there is one, else by listing each hour's prefix.
   */
  private Map<Instant, List<String>> keys(String model, long version, Instant from, Instant to) {
    Map<Instant, List<String>> out = new TreeMap<>();
    Instant listUpTo = null; // the hours up to and including this one are listed in S3 (null: none; MAX: every hour)
    if (index != null) {
      for (ProfileIndex.Entry entry : index.entries(model, version, from, to)) {
        out.computeIfAbsent(entry.hour(), h -> new ArrayList<>()).add(entry.key());
      }
      Instant start = indexStart(model, version);
      if (!start.isBefore(from.truncatedTo(ChronoUnit.HOURS))) {
        listUpTo = start; // the window reaches back to the hours profiles may have been stored without the index
      }
    } else {
      listUpTo = Instant.MAX;
    }
    for (Instant hour = from.truncatedTo(ChronoUnit.HOURS); hour.isBefore(to) && listUpTo != null
        && !hour.isAfter(listUpTo); hour = hour.plus(1, ChronoUnit.HOURS)) {
      List<String> listed = objects(hourPrefix(model, version, hour)).stream().map(S3Object::key).toList();
      if (!listed.isEmpty()) {
        java.util.Set<String> keys = new java.util.LinkedHashSet<>(out.getOrDefault(hour, List.of()));
        keys.addAll(listed); // the index's own entries of this hour are listed too: each key once
        out.put(hour, new ArrayList<>(keys));
      }
    }
    return out;
  }

  /**
   * The hour of the version's oldest index entry ({@link ProfileIndex#firstHour}), remembered once found: it only
   * moves later (as entries expire with their captures), and an hour it passes over is past retention. {@link
   * Instant#MAX} when the version has no entry yet (asked again next time): every hour of a window is listed then.
   */
  private Instant indexStart(String model, long version) {
    String mv = model + "#" + version;
    Instant known = indexStarts.get(mv);
    if (known != null) {
      return known;
    }
    java.util.Optional<Instant> first = index.firstHour(model, version);
    first.ifPresent(hour -> indexStarts.put(mv, hour));
    return first.orElse(Instant.MAX);
  }

  private List<S3Object> objects(String prefix) {
    List<S3Object> out = new ArrayList<>();
    s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).build()).contents()
        .forEach(out::add);
    return out;
  }
}
