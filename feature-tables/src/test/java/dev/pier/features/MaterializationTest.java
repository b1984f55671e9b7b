package dev.pier.features;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Offline → online over the historical fixtures (a Hive-partitioned prefix of two files) in the stand-ins. */
class MaterializationTest {
  private static final Path FIXTURES = OfflineFixture.FIXTURES;
  private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
  private static final String DOC = """
      entities: [{name: driver, join_keys: [driver_id], value_type: INT64}]
      sources:
        - {name: driver_stats, kind: parquet, path: "s3://mat/driver_stats/", created_timestamp_column: created}
        - {name: broken, kind: parquet, path: "s3://mat/driver_stats/"}
      feature_views:
        - {name: driver_hourly_stats, entities: [driver], ttl: 2h, source: driver_stats,
           schema: [{name: conv_rate, dtype: FLOAT64}, {name: trips, dtype: INT64}]}
        - {name: misfit, entities: [driver], ttl: 2h, source: broken, schema: [{name: speed, dtype: FLOAT64}]}
        - {name: big_view, entities: [driver], ttl: 2h, source: big, schema: [{name: trips, dtype: INT64}]}
        - {name: tie_view, entities: [driver], ttl: 2h, source: ties, schema: [{name: trips, dtype: INT64}]}
      """.replace("sources:\n", "sources:\n  - {name: big, kind: parquet, path: \"s3://mat/big/\"}\n"
          + "  - {name: ties, kind: parquet, path: \"s3://mat/ties/\", created_timestamp_column: created}\n");
  /** {@code big/data.parquet}: one file of 4 row groups of 2,048 rows, driver i (0 … 8,191) in row i. */
  private static final int GROUP_ROWS = 2048;

  @TempDir static Path dataDir;
  @TempDir static Path work;
  private static OfflineFixture fixture;
  private static StandIns standIns;
  private static ExecutorService runner;
  private FeatureRegistry registry;
  private OnlineStore store;
  private Materialization materialization;

  @BeforeAll
  static void startStandIns() throws Exception {
    fixture = OfflineFixture.start(dataDir, work, "mat");
    standIns = fixture.standIns;
    Path big = work.resolve("big.parquet");
    try (java.sql.Connection db = java.sql.DriverManager.getConnection("jdbc:duckdb:");
        java.sql.Statement s = db.createStatement()) {
      s.execute("COPY (SELECT i::BIGINT AS driver_id, TIMESTAMP '2026-12-01 01:00:00' AS event_timestamp,"
          + " (i * 10)::BIGINT AS trips FROM range(" + 4 * GROUP_ROWS + ") t(i) ORDER BY i) TO '" + big
          + "' (FORMAT parquet, ROW_GROUP_SIZE " + GROUP_ROWS + ")");
    }
    standIns.clients.s3().putObject(b -> b.bucket("mat").key("big/data.parquet"),
        software.amazon.awssdk.core.sync.RequestBody.fromFile(big));
    // ties/: two files (two chunks) holding rows of the same drivers. Driver 7: the same event time in both, the
    // greater created time in a.parquet (trips 200, not b's 100). Driver 8: a's row is newer by event time (trips 80),
    // b's has the greater created time (81) but an older event time. Driver 9: the same event and created time in
    // both (the rows are equal, trips 90), driver 6 only in b.parquet with a null created time (60).
    String[][] ties = {
        {"a", "(7, TIMESTAMP '2026-12-01 01:00:00', TIMESTAMP '2026-12-01 05:00:00', 200),"
            + " (8, TIMESTAMP '2026-12-01 02:00:00', TIMESTAMP '2026-12-01 01:00:00', 80),"
            + " (9, TIMESTAMP '2026-12-01 01:00:00', TIMESTAMP '2026-12-01 01:00:00', 90)"},
        {"b", "(7, TIMESTAMP '2026-12-01 01:00:00', TIMESTAMP '2026-12-01 03:00:00', 100),"
            + " (8, TIMESTAMP '2026-12-01 01:00:00', TIMESTAMP '2026-12-01 09:00:00', 81),"
            + " (9, TIMESTAMP '2026-12-01 01:00:00', TIMESTAMP '2026-12-01 01:00:00', 90),"
            + " (6, TIMESTAMP '2026-12-01 01:00:00', NULL, 60)"}};
    for (String[] file : ties) {
      Path p = work.resolve("ties-" + file[0] + ".parquet");
      try (java.sql.Connection db = java.sql.DriverManager.getConnection("jdbc:duckdb:");
          java.sql.Statement s = db.createStatement()) {
        s.execute("COPY (SELECT d::BIGINT AS driver_id, e AS event_timestamp, c AS created, t::BIGINT AS trips"
            + " FROM (VALUES " + file[1] + ") v(d, e, c, t)) TO '" + p + "' (FORMAT parquet)");
      }
      standIns.clients.s3().putObject(b -> b.bucket("mat").key("ties/" + file[0] + ".parquet"),
          software.amazon.awssdk.core.sync.RequestBody.fromFile(p));
    }
    runner = Executors.newSingleThreadExecutor();
  }

  @AfterAll
  static void stopStandIns() {
    runner.shutdownNow();
    fixture.close();
  }

  @BeforeEach
  void start() {
    OfflineFixture.Tables t = fixture.fresh(DOC);
    registry = t.registry();
    store = t.store();
    materialization = new Materialization(standIns.clients.dynamoDb(), t.registryTable(), registry, t.offline(),
        store, runner, Clock.systemUTC());
  }

  /** Per driver, the trips of the newest row (ties: latest created) with event time in [from, to), from the CSV. */
  private static Map<Long, Long> expectedTrips(Instant from, Instant to) {
    Map<Long, String[]> newest = new TreeMap<>();
    try {
      for (String line : Files.readAllLines(FIXTURES.resolve("driver_stats.csv")).subList(1, 51)) {
        String[] r = line.split(",");
        Instant ts = time(r[1]);
        if (ts.isBefore(from) || !ts.isBefore(to)) {
          continue;
        }
        newest.merge(Long.parseLong(r[0]), r, (a, b) -> {
          int byTime = time(a[1]).compareTo(time(b[1]));
          int byCreated = time(a[2]).compareTo(time(b[2]));
          return byTime > 0 || (byTime == 0 && byCreated >= 0) ? a : b;
        });
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<Long, Long> out = new TreeMap<>();
    newest.forEach((d, r) -> out.put(d, Long.parseLong(r[4])));
    return out;
  }

  private static Instant time(String text) {
    return LocalDateTime.parse(text.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
  }

  private Map<Long, Long> onlineTrips() {
    FeatureView view = registry.catalog().view("driver_hourly_stats");
    List<List<Object>> keys = List.of(List.of(1L), List.of(2L), List.of(3L), List.of(4L), List.of(5L));
    List<OnlineStore.Stored> stored = store.read(view, keys, List.of("trips"));
    Map<Long, Long> out = new TreeMap<>();
    for (int i = 0; i < keys.size(); i++) {
      if (stored.get(i) != null) {
        out.put((Long) keys.get(i).get(0), (Long) stored.get(i).values().get("trips"));
      }
    }
    return out;
  }

  private Materialization.Job await(Materialization.Job job) throws InterruptedException {
    for (int i = 0; i < 600 && materialization.get(job.id()).state() == Materialization.State.RUNNING; i++) {
      Thread.sleep(50);
    }
    return materialization.get(job.id());
  }

  @Test
  void aRangeCopiesTheNewestRowPerKeyWithinItToTheOnlineStore() throws Exception {
    Instant end = T0.plus(Duration.ofHours(12));

    Materialization.Job job = await(materialization.start(T0, end, List.of("driver_hourly_stats")));

    assertThat(job.state()).isEqualTo(Materialization.State.SUCCEEDED);
    assertThat(job.chunksTotal()).isEqualTo(2);
    assertThat(job.chunksDone()).isEqualTo(2);
    Map<Long, Long> expected = expectedTrips(T0, end);
    assertThat(expected).hasSize(4).containsEntry(1L, 77L); // driver 1's tie at 10:00: the later created row
    assertThat(onlineTrips()).isEqualTo(expected);
    assertThat(job.rows()).isEqualTo(expected.size());
    assertThat(materialization.watermark("driver_hourly_stats")).isEqualTo(end);
  }

  @Test
  void anIncrementalRunGoesOnFromTheWatermark() throws Exception {
    await(materialization.start(T0, T0.plus(Duration.ofHours(12)), List.of("driver_hourly_stats")));

    Materialization.Job next = await(materialization.startIncremental(T0.plus(Duration.ofDays(1)),
        List.of("driver_hourly_stats")));

    assertThat(next.starts()).containsEntry("driver_hourly_stats", T0.plus(Duration.ofHours(12)));
    assertThat(onlineTrips()).isEqualTo(expectedTrips(T0, T0.plus(Duration.ofDays(1))));
  }

  @Test
  void aResumedJobWritesOnlyTheChunksNotYetDone() {
    Materialization.Job job = materialization.create(Map.of("driver_hourly_stats", T0), T0.plus(Duration.ofDays(1)));
    materialization.markDone(job.id(), "driver_hourly_stats|odd=0/data_0.parquet", 0); // as if killed after it

    materialization.run(job.id());

    assertThat(onlineTrips()).containsOnlyKeys(1L, 3L, 5L); // driver 2 is the even partition's only driver
    Materialization.Job after = materialization.get(job.id());
    assertThat(after.state()).isEqualTo(Materialization.State.SUCCEEDED);
    assertThat(after.chunksDone()).isEqualTo(2);
  }

  @Test
  void aFileOfSeveralRowGroupsIsChunkedByRowGroupAndAResumedJobWritesOnlyTheGroupsNotYetDone() {
    Materialization.Job job = materialization.create(Map.of("big_view", T0), T0.plus(Duration.ofDays(1)));
    List<Materialization.Chunk> plan = materialization.plan(job.id());
    assertThat(plan).extracting(Materialization.Chunk::file).containsExactly("data.parquet#row_group=0",
        "data.parquet#row_group=1", "data.parquet#row_group=2", "data.parquet#row_group=3");
    // killed after writing row group 1 (and recording it): its rows are online, the others not yet
    assertThat(materialization.writeChunk(job.id(), plan.get(1))).isEqualTo(GROUP_ROWS);
    assertThat(bigTrips()).containsOnlyKeys((long) GROUP_ROWS, GROUP_ROWS + 1L, 2L * GROUP_ROWS - 1);
    // group 3 recorded but, as if killed between writing and reading back, its rows deliberately absent: a resumed
    // job that rewrote recorded groups would bring them in
    materialization.markDone(job.id(), "big_view|data.parquet#row_group=3", 0);

    materialization.run(job.id());

    Materialization.Job after = materialization.get(job.id());
    assertThat(after.state()).isEqualTo(Materialization.State.SUCCEEDED);
    assertThat(after.chunksTotal()).isEqualTo(4);
    assertThat(after.chunksDone()).isEqualTo(4);
    assertThat(after.rows()).isEqualTo(3L * GROUP_ROWS); // groups 0 and 2 now, 1 before: none twice
    assertThat(bigTrips()).containsOnlyKeys(0L, GROUP_ROWS - 1L, (long) GROUP_ROWS, GROUP_ROWS + 1L,
        2L * GROUP_ROWS - 1, 2L * GROUP_ROWS, 3L * GROUP_ROWS - 1).containsEntry(2L * GROUP_ROWS, 2L * GROUP_ROWS * 10);
  }

  /** big_view's trips online for the first and last driver of each row group. */
  private Map<Long, Long> bigTrips() {
    FeatureView view = registry.catalog().view("big_view");
    List<List<Object>> keys = new java.util.ArrayList<>();
    for (int g = 0; g < 4; g++) {
      keys.add(List.of((long) g * GROUP_ROWS));
      keys.add(List.of((long) (g + 1) * GROUP_ROWS - 1));
    }
    keys.add(List.of((long) GROUP_ROWS + 1));
    List<OnlineStore.Stored> stored = store.read(view, keys, List.of("trips"));
    Map<Long, Long> out = new TreeMap<>();
    for (int i = 0; i < keys.size(); i++) {
      if (stored.get(i) != null) {
        out.put((Long) keys.get(i).get(0), (Long) stored.get(i).values().get("trips"));
      }
    }
    return out;
  }

  @Test
  void aTieOnEventTimeAcrossChunksGoesToTheGreaterCreatedTimeWrittenInEitherOrder() {
    assertThat(tiesWrittenInOrder("a.parquet", "b.parquet")).isEqualTo(Map.of(7L, 200L, 8L, 80L, 9L, 90L, 6L, 60L));
  }

  @Test
  void aTieOnEventTimeAcrossChunksGoesToTheGreaterCreatedTimeWrittenInReverseOrder() {
    assertThat(tiesWrittenInOrder("b.parquet", "a.parquet")).isEqualTo(Map.of(7L, 200L, 8L, 80L, 9L, 90L, 6L, 60L));
  }

  /** tie_view's trips online after writing its two chunks in the order given (a fresh table each test). */
  private Map<Long, Long> tiesWrittenInOrder(String first, String second) {
    Materialization.Job job = materialization.create(Map.of("tie_view", T0), T0.plus(Duration.ofDays(1)));
    Map<String, Materialization.Chunk> plan = new TreeMap<>();
    materialization.plan(job.id()).forEach(c -> plan.put(c.file(), c));
    assertThat(plan).containsOnlyKeys("a.parquet", "b.parquet");
    materialization.writeChunk(job.id(), plan.get(first));
    materialization.writeChunk(job.id(), plan.get(second));
    FeatureView view = registry.catalog().view("tie_view");
    List<List<Object>> keys = List.of(List.of(6L), List.of(7L), List.of(8L), List.of(9L));
    List<OnlineStore.Stored> stored = store.read(view, keys, List.of("trips"));
    Map<Long, Long> out = new TreeMap<>();
    for (int i = 0; i < keys.size(); i++) {
      out.put((Long) keys.get(i).get(0), (Long) stored.get(i).values().get("trips"));
    }
    return out;
  }

  @Test
  void aSingleRowWriteSettlesATieByCreatedTimeAndARowWithoutOneLosesToOneWithIt() {
    FeatureView view = registry.catalog().view("tie_view");
    Instant t = T0.plus(Duration.ofHours(1));
    OnlineStore.Row older = new OnlineStore.Row(List.of(5L), t, Map.of("trips", 1L), t.plusSeconds(10));
    OnlineStore.Row newer = new OnlineStore.Row(List.of(5L), t, Map.of("trips", 2L), t.plusSeconds(20));
    OnlineStore.Row none = new OnlineStore.Row(List.of(5L), t, Map.of("trips", 3L));

    assertThat(store.write(view, List.of(newer))).isEqualTo(1);
    assertThat(store.write(view, List.of(older))).isZero();
    assertThat(store.write(view, List.of(none))).isZero();
    assertThat(store.write(view, List.of(newer))).isEqualTo(1); // re-sent: idempotent
    assertThat(store.read(view, List.of(List.of(5L)), List.of("trips")).get(0).values().get("trips")).isEqualTo(2L);
    // a later event time wins whatever the created times
    OnlineStore.Row later = new OnlineStore.Row(List.of(5L), t.plusSeconds(1), Map.of("trips", 4L));
    assertThat(store.write(view, List.of(later))).isEqualTo(1);
    assertThat(store.write(view, List.of(none))).isZero();
    assertThat(store.read(view, List.of(List.of(5L)), List.of("trips")).get(0).values().get("trips")).isEqualTo(4L);
  }

  @Test
  void aFileThatDoesNotMatchTheViewFailsTheJobNamingFileAndColumn() throws Exception {
    Materialization.Job job = await(materialization.start(T0, T0.plus(Duration.ofDays(1)), List.of("misfit")));

    assertThat(job.state()).isEqualTo(Materialization.State.FAILED);
    assertThat(job.error()).startsWith("feature view 'misfit': file data_0.parquet of s3://mat/driver_stats/ does not"
        + " match the view's schema:").contains("speed");
    assertThat(materialization.watermark("misfit")).isNull();
  }

  @Test
  void theStateMachinesStepsPlanOnlyUnwrittenChunksAndWriteEachOnce() throws Exception {
    Materialization.Job job = materialization.create(Map.of("driver_hourly_stats", T0), T0.plus(Duration.ofDays(1)));
    MaterializationWorkflow steps = new MaterializationWorkflow(materialization, runner);
    var json = new com.fasterxml.jackson.databind.ObjectMapper();

    var plan = steps.invoke(json.readTree("{\"action\": \"materialize-plan\", \"job_id\": \"" + job.id() + "\"}"));
    assertThat(plan.get("chunks")).hasSize(2);
    var first = plan.get("chunks").get(0);
    String write = "{\"action\": \"materialize-chunk\", \"job_id\": \"" + job.id() + "\", \"view\": \""
        + first.get("view").asText() + "\", \"file\": \"" + first.get("file").asText() + "\"}";
    long rows = steps.invoke(json.readTree(write)).get("rows").asLong();
    // a retried or restarted task: recorded before, so nothing is written or counted again
    assertThat(steps.invoke(json.readTree(write)).get("rows").asLong()).isZero();
    assertThat(materialization.get(job.id()).rows()).isEqualTo(rows).isPositive();
    var replanned = steps.invoke(json.readTree("{\"action\": \"materialize-plan\", \"job_id\": \"" + job.id()
        + "\"}"));
    assertThat(replanned.get("chunks")).hasSize(1);
    assertThat(replanned.get("chunks").get(0)).isEqualTo(plan.get("chunks").get(1));
    assertThat(materialization.get(job.id()).chunksTotal()).isEqualTo(2);
    assertThat(materialization.watermark("driver_hourly_stats")).isNull(); // only Finish advances it
  }

  @Test
  void theWorkflowIsTheBundledStateMachine() {
    var asl = dev.pier.statemachines.AslDefinition.bundled(MaterializationWorkflow.DEFINITION,
        Map.of("FeatureWorkerFunction", "f"));
    assertThat(asl.json().get("States").fieldNames()).toIterable()
        .containsExactly("Plan", "WriteChunks", "Finish", "MarkFailed", "Failed");
  }
}
