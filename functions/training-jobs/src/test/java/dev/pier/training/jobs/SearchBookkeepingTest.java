package dev.pier.training.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.training.Split;
import dev.pier.training.TrainingTable;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * The workflow's bookkeeping for a long TPE search, task by task as the state machine calls them (suggest, trial,
 * suggest, …, best), on the jobs table in the DynamoDB stand-in: the items the tasks read from the table per trial
 * must not grow with the number of trials already run (asserted), and the time per trial for the first and the last
 * {@link #WINDOW} is printed (a figure, not an assertion: this machine's load varies). The trainer scores params on a fixed
 * surface instead of training, so what is timed is the bookkeeping alone.
 */
class SearchBookkeepingTest {
  /**
   * 600 in {@code ./pier test}: reads that grew with the trials already run would differ between the first and the last
   * 300 by hundreds of items, against the assertion's one. TPE's own cost grows with the trials: 2,000 took 268 s and
   * 600 took 79 s (2026-12-07, the shared 2-core machine at load 15-18). {@code ./pier bench training} passes its own
   * count.
   */
  static final int TRIALS = Integer.getInteger("pier.training.bookkeeping-trials", 600);
  /** The first and the last this many trials are compared: a thousand, or half the trials of a shorter run. */
  static final int WINDOW = Math.min(1000, TRIALS / 2);
  /**
   * The search's sampler: {@code tpe} (default; its Parzen estimators cost more as trials accumulate, as Optuna's do)
   * or {@code random} (constant cost per trial, so the figures are the bookkeeping's alone).
   */
  static final String STRATEGY = System.getProperty("pier.training.bookkeeping-strategy", "tpe");
  /**
   * How the DynamoDB client reaches the stand-in, comma-separated, each a run of its own: {@code http} (default, as
   * local mode's {@code pier.local.dynamodb-transport}) and {@code in-process} (the SDK's HTTP layer replaced by a call
   * into the stand-in: no socket, no thread hand-off). {@code ./pier bench training} runs both.
   */
  static final List<String> TRANSPORTS =
      List.of(System.getProperty("pier.training.bookkeeping-transport", "http").split(","));
  /**
   * Milliseconds added to each DynamoDB call (0 by default): a stand-in for DynamoDB's round trip in AWS, so that the
   * wall time shows what sequential calls cost there and calls sent together save.
   */
  static final long LATENCY_MS = Long.getLong("pier.training.bookkeeping-latency-ms", 0);
  static LocalTrainingFixture world;
  static final AtomicLong itemsRead = new AtomicLong();
  /** DynamoDB calls by client ("jobs": the jobs table; "tracking": MLflow's runs) and operation. */
  static final Map<String, AtomicLong> calls = new java.util.concurrent.ConcurrentSkipListMap<>();
  /**
   * Sequential round trips: calls that began while no other call was in flight (a call sent beside one in flight
   * shares its round trip).
   */
  static final AtomicLong roundTrips = new AtomicLong();
  static final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
  /** Each transport's summary line, printed together at the end (side by side). */
  static final List<String> summaries = new java.util.concurrent.CopyOnWriteArrayList<>();

  static List<String> transports() {
    return TRANSPORTS;
  }

  @AfterAll
  static void sideBySide() {
    if (summaries.size() > 1) {
      summaries.forEach(line -> System.out.println("search bookkeeping side by side, " + line));
    }
  }

  /** The client, counting its calls, round trips and the items its reads return (GetItem, BatchGetItem, Query). */
  static DynamoDbClient counting(DynamoDbClient real, String name) {
    return (DynamoDbClient) Proxy.newProxyInstance(DynamoDbClient.class.getClassLoader(),
        new Class<?>[] {DynamoDbClient.class}, (proxy, method, args) -> {
          Object out;
          boolean call = !method.getDeclaringClass().equals(Object.class) && !method.getName().equals("serviceName")
              && !method.getName().equals("close");
          if (call) {
            calls.computeIfAbsent(name + " " + method.getName(), k -> new AtomicLong()).incrementAndGet();
            if (inFlight.getAndIncrement() == 0) {
              roundTrips.incrementAndGet();
            }
          }
          try {
            if (call && LATENCY_MS > 0) {
              Thread.sleep(LATENCY_MS);
            }
            out = method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          } finally {
            if (call) {
              inFlight.decrementAndGet();
            }
          }
          if (!name.equals("jobs")) {
            return out; // items read: the jobs table's
          }
          if (out instanceof QueryResponse q) {
            itemsRead.addAndGet(q.count());
          } else if (out instanceof GetItemResponse g && g.hasItem()) {
            itemsRead.incrementAndGet();
          } else if (out instanceof software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse b) {
            itemsRead.addAndGet(b.responses().values().stream().mapToInt(List::size).sum());
          }
          return out;
        });
  }

  /** Scores params on a fixed surface (best at max_depth 5, eta 0.1), two rounds each, without training. */
  static final class SurfaceTrainer extends CrossValidationTrainer {
    @Override
    public CvOutcome crossValidate(TrainingTable table, List<Split> folds, Map<String, Object> p, String metric,
        long seed, Progress progress) {
      double depth = ((Number) p.get("max_depth")).doubleValue();
      double eta = ((Number) p.get("eta")).doubleValue();
      double score = 0.9 - 0.01 * (depth - 5) * (depth - 5) - Math.abs(Math.log(eta / 0.1)) * 0.02;
      progress.round(0, score - 0.05);
      progress.round(1, score);
      return new CvOutcome(score, 0.01, List.of(score, score), List.of(score - 0.05, score), 1);
    }
  }

  /** The sampler's and pruner's own CPU time (this thread's, in suggest, observe and prune), kept apart from the bookkeeping. */
  static final AtomicLong samplerNanos = new AtomicLong();

  /** The searches with their strategies timed. */
  static final class TimedSearches extends Searches {
    TimedSearches(TrainingJobsTable jobs, ModelTrainer trainer) {
      super(jobs, trainer);
    }

    @Override
    public SearchStrategy of(TrainingJob job) {
      SearchStrategy real = super.of(job);
      return new SearchStrategy() {
        @Override
        public void observe(TrialRecord finished) {
          long t = threadCpu();
          real.observe(finished);
          samplerNanos.addAndGet(threadCpu() - t);
        }

        @Override
        public List<Map<String, Object>> suggest(int count, int next) {
          long t = threadCpu();
          try {
            return real.suggest(count, next);
          } finally {
            samplerNanos.addAndGet(threadCpu() - t);
          }
        }

        @Override
        public boolean prune(TrialRecord running, java.util.SortedMap<Integer, Double> steps) {
          long t = threadCpu();
          try {
            return real.prune(running, steps);
          } finally {
            samplerNanos.addAndGet(threadCpu() - t);
          }
        }
      };
    }

    static long threadCpu() {
      return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }
  }

  @ParameterizedTest(name = "DynamoDB over {0}")
  @MethodSource("transports")
  void readsPerTrialStayFlatOverThousandsOfTrials(String transport, @TempDir Path work) throws Exception {
    calls.clear();
    itemsRead.set(0);
    roundTrips.set(0);
    samplerNanos.set(0);
    try (LocalTrainingFixture w = new LocalTrainingFixture(work, dynamo -> counting(dynamo, "jobs"),
        transport.equals("in-process"))) {
      world = w.dataset(100, 5, LocalTrainingFixture.ALTERNATING);
      searchesThousandsOfTrials(transport);
    }
  }

  private void searchesThousandsOfTrials(String transport) throws Exception {
    SurfaceTrainer trainer = new SurfaceTrainer();
    TrainingJobsTable jobs = world.jobs;
    Searches searches = new TimedSearches(jobs, trainer);
    TrainingJobs api = new TrainingJobs(jobs, world.datasets, trainer, new TrainingLauncher() {
      @Override
      public void launch(TrainingJob job) {}

      @Override
      public void stop(String id) {}
    }, world.settings, searches, Clock.systemUTC());
    JsonNode spec = TrainingJobsTable.JSON.readTree("""
        {"name": "many", "dataset": {"uri": "s3://data/set.csv", "label": "y"},
         "params": {"objective": "binary:logistic", "num_round": 2},
         "metric": "auc", "cv": {"folds": 2}, "seed": 3,
         "tuning": {"strategy": "%s", "max_trials": %d, "parallel": 1, "pruner": "median",
                    "space": {"max_depth": {"type": "int", "low": 2, "high": 8},
                              "eta": {"type": "float", "low": 0.01, "high": 0.3, "log": true}}}}
        """.formatted(STRATEGY, TRIALS));
    TrainingJob job = api.submit(spec);
    jobs.update(job.id(), j -> j.with(b -> {
      b.startedAt = java.time.Instant.now();
      return b;
    }), false);
    TrainingWorker worker = world.worker(trainer, searches, world.tracking(counting(world.dynamo, "tracking")),
        world.settings);
    worker.handle(task("prepare", job.id()));
    long[] nanos = new long[TRIALS];
    long[] reads = new long[TRIALS];
    long[] cpu = new long[TRIALS + 1]; // the JVM's CPU time before each trial and after the last
    long[] sampler = new long[TRIALS + 1]; // the sampler's own CPU time so far, likewise
    long[] client = new long[TRIALS + 1]; // this thread's (the worker's and the SDK's side of each call), likewise
    long[] trips = new long[TRIALS + 1]; // round trips so far, likewise
    for (int i = 0; i < TRIALS; i++) {
      cpu[i] = BenchClock.cpuNanos();
      client[i] = TimedSearches.threadCpu();
      sampler[i] = samplerNanos.get();
      trips[i] = roundTrips.get();
      long t = System.nanoTime();
      long r = itemsRead.get();
      JsonNode batch = worker.handle(task("suggest", job.id()));
      assertThat(batch.path("done").asBoolean()).as("suggest at trial %d", i).isFalse();
      for (JsonNode n : batch.path("trials")) {
        worker.handle(task("trial", job.id()).put("trial", n.asInt()));
      }
      nanos[i] = System.nanoTime() - t;
      reads[i] = itemsRead.get() - r;
      if ((i + 1) % 500 == 0) { // progress, so that a run stopped early still gives its figures
        double all = (BenchClock.cpuNanos() - cpu[i - 499]) / 1e6 / 500;
        double own = (samplerNanos.get() - sampler[i - 499]) / 1e6 / 500;
        System.out.printf(Locale.ROOT, "trials %d-%d (%s): %.2f ms wall, %.2f ms CPU (sampler %.2f, bookkeeping %.2f)"
            + " and %.1f items read per trial%n", i - 498, i + 1, transport, mean(nanos, i - 499, i + 1) / 1e6, all,
            own, all - own, mean(reads, i - 499, i + 1));
      }
    }
    cpu[TRIALS] = BenchClock.cpuNanos();
    sampler[TRIALS] = samplerNanos.get();
    client[TRIALS] = TimedSearches.threadCpu();
    trips[TRIALS] = roundTrips.get();
    StringBuilder perTrial = new StringBuilder();
    calls.forEach((k, v) -> perTrial.append(String.format(Locale.ROOT, " %s %.2f;", k, v.get() / (double) TRIALS)));
    double callsPerTrial = calls.values().stream().mapToLong(AtomicLong::get).sum() / (double) TRIALS;
    double tripsPerTrial = (trips[TRIALS] - trips[TRIALS - WINDOW]) / (double) WINDOW;
    System.out.printf(Locale.ROOT, "search bookkeeping (%s): DynamoDB calls per trial:%s %.2f in all; sequential round"
        + " trips per trial, last %d: %.2f%n", transport, perTrial, callsPerTrial, WINDOW, tripsPerTrial);
    assertThat(worker.handle(task("suggest", job.id())).path("done").asBoolean()).isTrue();
    long r = itemsRead.get();
    JsonNode best = worker.handle(task("best", job.id()));
    long bestReads = itemsRead.get() - r;
    List<TrialRecord> all = jobs.trials(job.id());
    assertThat(all).hasSize(TRIALS);
    TrialRecord top = all.stream().filter(t -> "SUCCEEDED".equals(t.state()))
        .max(java.util.Comparator.comparingDouble(TrialRecord::cvMean)
            .thenComparing(java.util.Comparator.comparingInt(TrialRecord::number).reversed()))
        .orElseThrow();
    assertThat(best.path("trial").asInt()).isEqualTo(top.number());
    TrainingJob stored = jobs.require(job.id());
    assertThat(stored.trials().total()).isEqualTo(TRIALS);
    assertThat(stored.trials().succeeded() + stored.trials().pruned() + stored.trials().failed()).isEqualTo(TRIALS);
    double firstCpu = (cpu[WINDOW] - cpu[0]) / 1e6 / WINDOW;
    double firstSampler = (sampler[WINDOW] - sampler[0]) / 1e6 / WINDOW;
    double lastCpu = (cpu[TRIALS] - cpu[TRIALS - WINDOW]) / 1e6 / WINDOW;
    double lastSampler = (sampler[TRIALS] - sampler[TRIALS - WINDOW]) / 1e6 / WINDOW;
    double lastClient = (client[TRIALS] - client[TRIALS - WINDOW]) / 1e6 / WINDOW - lastSampler;
    System.out.printf(Locale.ROOT, "search bookkeeping per trial (suggest + trial tasks), %s, %s, %d trials: first %d"
            + " %.2f ms wall, %.2f ms CPU (sampler %.2f, bookkeeping %.2f), %.1f items read; last %d %.2f ms wall, %.2f"
            + " ms CPU (sampler %.2f, bookkeeping %.2f), %.1f items read; best: %d items read%n", transport, STRATEGY,
        TRIALS, WINDOW, mean(nanos, 0, WINDOW) / 1e6, firstCpu, firstSampler, firstCpu - firstSampler,
        mean(reads, 0, WINDOW), WINDOW, mean(nanos, TRIALS - WINDOW, TRIALS) / 1e6, lastCpu, lastSampler,
        lastCpu - lastSampler, mean(reads, TRIALS - WINDOW, TRIALS), bestReads);
    System.out.printf(Locale.ROOT, "search bookkeeping (%s), last %d: %.2f ms CPU per trial in the worker's thread (Pier"
        + " and the SDK's client side, the sampler left out), %.2f ms in the other threads (the in-process DynamoDB"
        + " stand-in answering, GC, JIT)%n", transport, WINDOW, lastClient, lastCpu - lastSampler - lastClient);
    summaries.add(String.format(Locale.ROOT, "%-10s (%s, %d trials, %d ms added per call): first %d %.2f ms wall /"
            + " %.2f ms CPU, last %d %.2f ms wall / %.2f ms CPU per trial (worker thread %.2f); %.2f calls, %.2f round"
            + " trips per trial", transport, STRATEGY, TRIALS, LATENCY_MS, WINDOW, mean(nanos, 0, WINDOW) / 1e6,
        firstCpu - firstSampler, WINDOW, mean(nanos, TRIALS - WINDOW, TRIALS) / 1e6, lastCpu - lastSampler, lastClient,
        callsPerTrial, tripsPerTrial));
    assertThat(mean(reads, TRIALS - WINDOW, TRIALS)).isLessThanOrEqualTo(mean(reads, 0, WINDOW) + 1);
    assertThat(bestReads).isLessThanOrEqualTo(4);
    // 3 per trial: Suggest writes the next batch (reading nothing: this process wrote the job and finished the last
    // batch); the trial, not read again, creates its run and writes its results with its end (the rest: prepare, best,
    // the odd retry of a busy item)
    assertThat(callsPerTrial).isLessThan(3.1);
  }

  private static ObjectNode task(String action, String id) {
    return JsonNodeFactory.instance.objectNode().put("action", action).put("job_id", id);
  }

  private static double mean(long[] values, int from, int to) {
    double sum = 0;
    for (int i = from; i < to; i++) {
      sum += values[i];
    }
    return sum / (to - from);
  }
}
