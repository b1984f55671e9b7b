package dev.pier.api.platform;

import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Schedules the calling thread below the HTTP I/O threads, once per thread: raises its Linux nice value by
 * {@code pier.limits.worker-nice} at the thread's first prediction on a worker.
 *
 * <p>Why: under a CPU-bound overload dozens of worker threads are runnable at once (every admitted request parses,
 * scores and writes on one), and Linux's scheduler gives each runnable thread a fair share — so the two I/O threads,
 * which read bodies, answer health checks and hand out 429s, got a few percent of the CPU and answered a health probe
 * in over a second. A worker at nice +10 weighs a tenth of an I/O thread at nice 0: the I/O threads run as soon as they
 * have work, the workers take the rest, and throughput is unchanged (the same work, ordered differently).
 *
 * <p>Linux only (a thread's nice value is its own there), through {@code setpriority(PRIO_PROCESS, tid, nice)} by the
 * Foreign Function API. Lowering one's own priority needs no privilege. Where the API, the symbols or Linux are
 * missing, or {@code delta} is 0, it does nothing.
 */
public final class ThreadNice {
  private static final Logger LOG = Logger.getLogger(ThreadNice.class);
  private static final int PRIO_PROCESS = 0;
  private static final int MAX_NICE = 19;

  private final int delta;
  private final MethodHandle gettid;
  private final MethodHandle getpriority;
  private final MethodHandle setpriority;
  private final ThreadLocal<Boolean> lowered = ThreadLocal.withInitial(() -> Boolean.FALSE);

  private ThreadNice(int delta, MethodHandle gettid, MethodHandle getpriority, MethodHandle setpriority) {
    this.delta = delta;
    this.gettid = gettid;
    this.getpriority = getpriority;
    this.setpriority = setpriority;
  }

  /** Lowers by {@code delta} nice levels (0 = never); does nothing where it cannot. */
  public static ThreadNice of(int delta) {
    if (delta < 0 || delta > MAX_NICE) {
      throw new IllegalArgumentException("pier.limits.worker-nice must be between 0 and 19, not " + delta);
    }
    if (delta == 0 || !System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
      return new ThreadNice(0, null, null, null);
    }
    try {
      MethodHandle gettid = downcall("gettid", 0);
      MethodHandle getpriority = downcall("getpriority", 2);
      MethodHandle setpriority = downcall("setpriority", 3);
      if (gettid == null || getpriority == null || setpriority == null) {
        LOG.infof("worker threads keep their priority: the C library has no gettid/getpriority/setpriority");
        return new ThreadNice(0, null, null, null);
      }
      return new ThreadNice(delta, gettid, getpriority, setpriority);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      LOG.infof("worker threads keep their priority: the Foreign Function API is not available (%s)", e);
      return new ThreadNice(0, null, null, null);
    }
  }

  /** Whether it lowers threads at all. */
  public boolean active() {
    return delta > 0;
  }

  /** Lowers the calling thread's priority, the first time this thread calls it; a few nanoseconds afterwards. */
  public void lowerCurrentThread() {
    if (delta == 0 || lowered.get()) {
      return;
    }
    lowered.set(Boolean.TRUE);
    try {
      int tid = (int) gettid.invokeExact();
      int now = (int) getpriority.invokeExact(PRIO_PROCESS, tid); // -20..19 (a real -1 and an error look alike)
      int rc = (int) setpriority.invokeExact(PRIO_PROCESS, tid, Math.min(MAX_NICE, now + delta));
      if (rc != 0) {
        LOG.debugf("setpriority failed for thread %d", tid);
      }
    } catch (Throwable e) {
      LOG.debugf("could not lower the priority of %s: %s", Thread.currentThread().getName(), e);
    }
  }

  /**
   * A native function taking {@code args} C ints and returning one, through {@code java.lang.foreign} (final since JDK
   * 22; this module is compiled for 21, so by reflection); null when the symbol is missing.
   */
  private static MethodHandle downcall(String name, int args) throws ReflectiveOperationException {
    Class<?> linkerType = Class.forName("java.lang.foreign.Linker");
    Class<?> lookupType = Class.forName("java.lang.foreign.SymbolLookup");
    Class<?> layoutType = Class.forName("java.lang.foreign.MemoryLayout");
    Class<?> descriptorType = Class.forName("java.lang.foreign.FunctionDescriptor");
    Class<?> segmentType = Class.forName("java.lang.foreign.MemorySegment");
    Class<?> optionType = Class.forName("java.lang.foreign.Linker$Option");
    Object linker = linkerType.getMethod("nativeLinker").invoke(null);
    Object lookup = linkerType.getMethod("defaultLookup").invoke(linker);
    Optional<?> symbol = (Optional<?>) lookupType.getMethod("find", String.class).invoke(lookup, name);
    if (symbol.isEmpty()) {
      return null;
    }
    Object cInt = Class.forName("java.lang.foreign.ValueLayout").getField("JAVA_INT").get(null);
    Object argLayouts = Array.newInstance(layoutType, args);
    for (int i = 0; i < args; i++) {
      Array.set(argLayouts, i, cInt);
    }
    Object descriptor = descriptorType.getMethod("of", layoutType, argLayouts.getClass())
        .invoke(null, cInt, argLayouts);
    return (MethodHandle) linkerType.getMethod("downcallHandle", segmentType, descriptorType,
        Array.newInstance(optionType, 0).getClass()).invoke(linker, symbol.get(), descriptor,
        Array.newInstance(optionType, 0));
  }
}
