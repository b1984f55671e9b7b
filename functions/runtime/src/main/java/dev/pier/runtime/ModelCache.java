package dev.pier.runtime;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.pier.kernel.PierException;
import dev.pier.security.ArtifactSignature;
import dev.pier.kernel.tensor.Signature;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.Batching;
import dev.pier.kernel.engine.Framework;
import dev.pier.registry.ModelVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.concurrent.ForkJoinPool;

/**
 * The loaded models of this process, bounded by a byte budget (least recently used first out) and by idleness. A
 * version is loaded once even under a burst of concurrent first requests (the others wait for it). Room is made
 * before a load (evicting the least recently used others, so old and new never sit in memory together when they
 * need not) and checked again after it with the size the engine reported; a version larger than the whole budget
 * is still loaded and kept, alone, rather than reloaded on every request. Eviction is by recency only: a frequency
 * filter (Caffeine's W-TinyLFU admission) would turn a new, large model away in favour of an often-used one and
 * reload it on each request until it had been asked for often enough. Artifacts are downloaded from S3 to a local
 * directory and their SHA-256 verified before the engine sees them; a version that fails verification is refused
 * and nothing else is affected. A freshly loaded version answers one synthetic request built from its signature
 * before it takes traffic, and is wrapped in a micro-batcher when its metadata asks for batching.
 *
 * <p>Eviction never pulls a model from under a running request: each use holds a lease, and an evicted model is
 * closed when its last lease ends.
 */
public final class ModelCache implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ModelCache.class.getName());
  private final ArtifactStore artifacts;
  private final Path localDir;
  private final Map<Framework, InferenceEngine> engines = new EnumMap<>(Framework.class);
  private final LoadingCache<Key, Entry> cache;
  private final long budgetBytes;
  private final int batchWorkers;
  private volatile ArtifactSignature signatures = new ArtifactSignature(null, false);

  public ModelCache(ArtifactStore artifacts, Path localDir, long maxBytes, Duration idle,
      Iterable<InferenceEngine> engines) {
    this(artifacts, localDir, maxBytes, idle, engines, 2);
  }

  /**
   * @param batchWorkers threads per micro-batched version that run combined calls
   */
  public ModelCache(ArtifactStore artifacts, Path localDir, long maxBytes, Duration idle,
      Iterable<InferenceEngine> engines, int batchWorkers) {
    this.batchWorkers = batchWorkers;
    this.artifacts = artifacts;
    this.localDir = localDir;
    this.budgetBytes = maxBytes;
    engines.forEach(e -> this.engines.put(e.framework(), e));
    ModelArchive.sweep(localDir); // downloads and unpacked archives of a process that was killed mid-load
    this.cache = Caffeine.newBuilder()
        .expireAfterAccess(idle)
        // Every prediction reads this cache, often on an HTTP I/O thread: its bookkeeping runs on the reading thread
        // (a few hundred ns every few dozen reads) rather than waking a pool thread for it; closing an evicted
        // model, which may take long, still happens elsewhere.
        .executor(Runnable::run)
        .removalListener((Key k, Entry e, RemovalCause cause) -> {
          if (e != null) {
            ForkJoinPool.commonPool().execute(e::retire);
          }
        })
        .build(this::load);
  }

  /**
   * The default budget: half of this machine's memory (a container's limit where there is one), leaving the rest to
   * the heap, the engines' working memory and the page cache. A fixed 1 GiB budget made a 1.5 GB model reload on
   * every request on a 24 GiB machine.
   */
  public static long defaultBudgetBytes() {
    return machineMemoryBytes() / 2;
  }

  /** Physical memory, or the container's memory limit (the JVM reads cgroups). */
  public static long machineMemoryBytes() {
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize();
    }
    return Runtime.getRuntime().maxMemory() * 2;
  }

  /** The memory budget of loaded models, in bytes. */
  public long budgetBytes() {
    return budgetBytes;
  }

  /**
   * Checks an artifact with its framework's engine, as registration does before storing it: staged (archives
   * unpacked and confined), sized against the machine's memory, loaded, closed. Returns the signature the model
   * carries (or {@code declared} where it carries none), or {@code declared} when this build has no such engine.
   */
  public Signature check(Framework framework, Path artifact, Signature declared) {
    InferenceEngine engine = engines.get(framework);
    if (engine == null) {
      return declared;
    }
    try (ModelArchive.Staged staged = engine.stage(artifact)) {
      checkMemory("the " + framework.id() + " artifact", engine.peakLoadBytes(staged.bytes()));
      try (LoadedModel loaded = engine.load(staged.path(), declared)) {
        return loaded.signature();
      }
    }
  }

  /**
   * Checks every version's artifact signature with {@code signatures} before it is loaded (after its SHA-256 has
   * verified, before the engine opens it): a version whose signature no longer verifies is refused.
   */
  public void verifySignaturesWith(ArtifactSignature signatures) {
    this.signatures = signatures;
  }

  /** The engine serving a framework in this build, if any. */
  public java.util.Optional<InferenceEngine> engineFor(Framework framework) {
    return java.util.Optional.ofNullable(engines.get(framework));
  }

  /**
   * The engine serving a framework, or a 501 naming the framework when this build has none: the Lambda zip carries
   * only the ONNX Runtime and XGBoost engines (a zip is capped at 250 MB unzipped).
   */
  public InferenceEngine engine(Framework framework) {
    InferenceEngine engine = engines.get(framework);
    if (engine == null) {
      throw PierException.notImplemented("framework '" + framework.id() + "' is not served by this build, which"
          + " carries the " + engines.keySet().stream().map(Framework::id).sorted().toList() + " engines (the Lambda"
          + " build carries only onnx and xgboost): place this version on the plain-server/container build or on an"
          + " endpoint; it stays registered");
    }
    return engine;
  }

  /**
   * Runs {@code work} with the loaded model of {@code version}. With a budget that may block, loads it first when
   * needed. Without one, runs only when nothing can block — the version is loaded already and its recent calls took
   * at most the budget's mean call time — and otherwise returns null having done nothing: an I/O thread serves fast
   * models itself and hands everything else to a worker.
   */
  public <T> T withModel(ModelVersion version, Budget budget, Function<LoadedModel, T> work) {
    return withModel(version, budget, work, (model, w) -> w.apply(model));
  }

  /**
   * {@link #withModel(ModelVersion, Budget, Function)} passing {@code context} to {@code work}, so that the hot path
   * runs a non-capturing function (no allocation per call).
   */
  public <C, T> T withModel(ModelVersion version, Budget budget, C context,
      java.util.function.BiFunction<LoadedModel, C, T> work) {
    if (budget.mayBlock()) {
      engine(version.framework());
    } else if (!engines.containsKey(version.framework())) {
      return null;
    }
    return lease(version, context, work, budget.maxMeanNanos(), budget.mayBlock());
  }

  private static Key key(ModelVersion version) {
    return new Key(version.model(), version.version(), version.artifact().sha256(), version.artifact().key(),
        version.framework(), version.signature(), version.serving().batching(),
        version.metadata().properties().get(ArtifactSignature.PROPERTY));
  }

  private <C, T> T lease(ModelVersion version, C context, java.util.function.BiFunction<LoadedModel, C, T> work,
      long maxMeanNanos, boolean load) {
    Key key = key(version);
    while (true) {
      Entry entry = cache.getIfPresent(key);
      if (entry == null && load) {
        entry = loadMakingRoom(key, version.artifact().sizeBytes());
      }
      if (entry == null || entry.meanNanos > maxMeanNanos) {
        return null;
      }
      if (entry.acquire()) {
        long start = System.nanoTime();
        try {
          return work.apply(entry.model, context);
        } finally {
          entry.release();
          entry.observe(System.nanoTime() - start);
        }
      }
      // evicted between lookup and lease: the cache no longer holds it, so the next get loads afresh
    }
  }

  /**
   * The miss path: evicts least recently used others until the expected size fits, loads (once, however many threads
   * ask), then evicts again with the loaded model's own size, which may exceed the stored one (archives). Evicting
   * happens here rather than inside the loader, which runs under the cache's map lock.
   */
  private Entry loadMakingRoom(Key key, long expectedBytes) {
    makeRoom(key, Math.max(0, expectedBytes));
    Entry entry = cache.get(key);
    if (entry.bytes > budgetBytes && entry.warned.compareAndSet(false, true)) {
      LOG.log(System.Logger.Level.WARNING, "{0} v{1} needs {2} MiB, more than the whole model cache budget of {3} MiB"
          + " (pier.models.cache-bytes): it is kept loaded alone and other versions are evicted for it",
          key.model, key.version, entry.bytes >> 20, budgetBytes >> 20);
    }
    makeRoom(key, 0);
    return entry;
  }

  /** Evicts the least recently used versions other than {@code keep} until {@code extraBytes} more fit the budget. */
  private void makeRoom(Key keep, long extraBytes) {
    long loaded = 0;
    for (var e : cache.asMap().entrySet()) {
      if (!e.getKey().equals(keep)) {
        loaded += e.getValue().bytes;
      }
    }
    Entry kept = cache.getIfPresent(keep);
    long needed = extraBytes + (kept == null ? 0 : kept.bytes);
    if (loaded + needed <= budgetBytes) {
      return;
    }
    cache.cleanUp(); // replays buffered reads, so that the order below is the true order of use
    var byRecency = cache.policy().expireAfterAccess().orElseThrow().oldest(Integer.MAX_VALUE);
    for (var e : byRecency.entrySet()) {
      if (loaded + needed <= budgetBytes) {
        return;
      }
      if (!e.getKey().equals(keep)) {
        cache.invalidate(e.getKey());
        loaded -= e.getValue().bytes;
      }
    }
  }

  /** Whether the version is loaded now (OIP's model-ready). */
  public boolean isLoaded(ModelVersion version) {
    return cache.asMap().keySet().stream()
        .anyMatch(k -> k.model.equals(version.model()) && k.version == version.version());
  }

  private Entry load(Key key) {
    try {
      Files.createDirectories(localDir);
      Path file = localDir.resolve(key.sha256 + ".artifact");
      if (Files.exists(file) && !ArtifactStore.sha256(file).equals(key.sha256)) {
        Files.delete(file); // a local copy that no longer matches is fetched again, never used
      }
      if (!Files.exists(file)) {
        // before a long download (from the stored size; checked again below once an archive is unpacked)
        checkMemory(key.model + " v" + key.version, engine(key.framework).peakLoadBytes(artifacts.size(key.artifactKey)));
        artifacts.download(key.artifactKey, key.sha256, file);
      }
      signatures.checkLoad(key.model, key.version, key.sha256, key.artifactSignature);
      InferenceEngine engine = engine(key.framework);
      LoadedModel model;
      try (ModelArchive.Staged staged = engine.stage(file)) {
        // sized from what the engine reads: an archive's unpacked bytes, not its compressed size
        checkMemory(key.model + " v" + key.version, engine.peakLoadBytes(staged.bytes()));
        model = engine.load(staged.path(), key.signature);
      }
      Warmup.run(key.model + " v" + key.version, model);
      return new Entry(BatchingModel.wrap(model, key.batching, batchWorkers), model.sizeBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("could not stage artifact of " + key.model + " v" + key.version, e);
    }
  }

  /**
   * Refuses a load that the machine cannot hold (the engine's {@link InferenceEngine#peakLoadBytes}), with
   * a 503 naming both figures, instead of letting the process be killed for memory mid-load.
   */
  private static void checkMemory(String what, long needed) {
    Path meminfo = Path.of("/proc/meminfo");
    if (!Files.isReadable(meminfo)) {
      return;
    }
    long availableKb;
    try {
      availableKb = Files.readAllLines(meminfo).stream().filter(l -> l.startsWith("MemAvailable:"))
          .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(Long.MAX_VALUE / 1024);
    } catch (IOException e) {
      return;
    }
    if (needed > availableKb * 1024) {
      throw new PierException(503, "not enough memory to load " + what + ": it needs about "
          + (needed >> 20) + " MiB and " + (availableKb >> 10) + " MiB are available");
    }
  }

  @Override
  public void close() {
    cache.invalidateAll();
    cache.cleanUp();
  }

  private record Key(String model, int version, String sha256, String artifactKey, Framework framework,
      Signature signature, Batching batching, String artifactSignature) {}

  /** A loaded model and its leases: bit 30 of {@code state} marks it retired, the rest count leases. */
  private static final class Entry {
    private static final int RETIRED = 1 << 30;
    final LoadedModel model;
    /** The loaded size the budget counts (the engine's figure, fixed at load). */
    final long bytes;
    final java.util.concurrent.atomic.AtomicBoolean warned = new java.util.concurrent.atomic.AtomicBoolean();
    private final AtomicInteger state = new AtomicInteger();
    /** Moving average of a call's duration (weight 1/16; racy updates only blur it, which is harmless). */
    volatile long meanNanos;

    Entry(LoadedModel model, long bytes) {
      this.model = model;
      this.bytes = bytes;
    }

    boolean acquire() {
      while (true) {
        int s = state.get();
        if ((s & RETIRED) != 0) {
          return false;
        }
        if (state.compareAndSet(s, s + 1)) {
          return true;
        }
      }
    }

    void release() {
      if (state.decrementAndGet() == RETIRED) {
        model.close();
      }
    }

    void observe(long nanos) {
      long mean = meanNanos;
      meanNanos = mean == 0 ? nanos : mean + (nanos - mean) / 16;
    }

    void retire() {
      if (state.addAndGet(RETIRED) == RETIRED) {
        model.close();
      }
    }
  }
}
