package dev.pier.runtime.prediction;

import dev.pier.kernel.PierException;
import dev.pier.kernel.security.AccessDenied;
import dev.pier.runtime.InferenceResponse;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The one way a prediction is made, whichever way it came in: an ordered chain of small {@link Stage}s, each in its
 * {@link Slot}:
 *
 * <pre>
 * ADMIT (authorize, rate limit) → CAPACITY (per-model concurrency) → RESOLVE (alias, canary) → FEATURES
 *   → VALIDATE (signature) → LIMITS (placement) → RESPONSE_CACHE → ENGINE (in-process | endpoint) → EXPLAIN
 *   → CAPTURE → AUDIT (sample) → PROBES → METRICS (labelled by way in)
 * </pre>
 *
 * The runtime's stages come from {@link dev.pier.runtime.PredictionService#pipeline()}; the server adds its own
 * (authorization, audit sample, probes, metrics) and later features add theirs, each in one place, with
 * {@link Builder#add}.
 *
 * <p>Blocking or not is the call's {@link dev.pier.runtime.Budget}: {@link #run} returns false when a stage declines
 * a call that may not block, and the same call, given a budget that may, {@link #run resumes} at that stage on
 * another thread (a call that held a concurrency permit gives it back when it declines, and takes one again at
 * {@link Slot#CAPACITY} when it resumes). Every call ends exactly once — answered, or failed with the status of its
 * exception — and every stage's {@link Stage#end} sees it; the per-model concurrency permit is released as soon as
 * {@link Slot#EXPLAIN} is done (or at the end, whichever comes first), and only once.
 *
 * <p>Cost: an array walk of small virtual calls and one {@link PredictionCall} per request. {@code EngineBenchmark}
 * ({@code ./pier bench jmh}, 2-core box, 2026-12-06, two interleaved runs each): the runtime's stages add 0.1–0.7 µs
 * to a single-row ONNX forest call (2.5–2.8 µs raw), against 0.5 µs for the layered code they replaced — within
 * the noise of that machine, and well inside the 2 µs budget.
 *
 * <p>Immutable and thread-safe; one pipeline serves every call.
 */
public final class PredictionPipeline {
  private final Stage[] stages;
  /** The stages that record something when a call ends ({@link Stage#end} overridden), in pipeline order. */
  private final Stage[] enders;
  private final Slot[] slots;
  /** Index of the last stage of the model's work (ENGINE, EXPLAIN): the permit is released after it; -1 if none. */
  private final int releaseAfter;
  /** For each slot, the index after its last stage (where a call stands once it has passed that slot). */
  private final int[] after = new int[Slot.values().length];
  /** Index of the first CAPACITY stage (where a declined call that held a permit resumes); -1 if none. */
  private final int capacityAt;

  private PredictionPipeline(Map<Slot, List<Stage>> placed) {
    List<Stage> all = new ArrayList<>();
    List<Slot> where = new ArrayList<>();
    int release = -1;
    int capacity = -1;
    for (Slot slot : Slot.values()) {
      for (Stage stage : placed.getOrDefault(slot, List.of())) {
        all.add(stage);
        where.add(slot);
        if (slot == Slot.CAPACITY && capacity < 0) {
          capacity = all.size() - 1;
        }
        if (slot.ordinal() >= Slot.ENGINE.ordinal() && slot.ordinal() <= Slot.EXPLAIN.ordinal()) {
          release = all.size() - 1;
        }
      }
      after[slot.ordinal()] = all.size();
    }
    this.stages = all.toArray(Stage[]::new);
    this.enders = all.stream().filter(PredictionPipeline::recordsEnds).toArray(Stage[]::new);
    this.slots = where.toArray(Slot[]::new);
    this.releaseAfter = release;
    this.capacityAt = capacity;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this pipeline's stages, to add more. */
  public Builder toBuilder() {
    Builder b = new Builder();
    for (int i = 0; i < stages.length; i++) {
      b.add(slots[i], stages[i]);
    }
    return b;
  }

  /** The stages in order, each with its slot (documentation, tests). */
  public List<Map.Entry<Slot, Stage>> stages() {
    List<Map.Entry<Slot, Stage>> out = new ArrayList<>();
    for (int i = 0; i < stages.length; i++) {
      out.add(Map.entry(slots[i], stages[i]));
    }
    return out;
  }

  /**
   * Runs {@code call} from where it stands to its end.
   *
   * @return true when answered ({@link PredictionCall#response()}); false when a stage declined a call that may not
   *     block: give it a budget that may and run it again (on a thread that may block) to resume there
   * @throws RuntimeException what failed the call, after the call ended with its status
   */
  public boolean run(PredictionCall call) {
    return runTo(call, stages.length);
  }

  /**
   * Runs {@code call} through the stages of {@code last} and the slots before it, no further: a way in checks the
   * caller ({@link Slot#ADMIT}) before it reads their body, and one that parses a large body takes the caller's share
   * of the model's capacity first ({@link Slot#CAPACITY}: parsing costs more than running); it then sets the request
   * and {@link #run}s the rest. Returns false when declined, as {@link #run}.
   */
  public boolean runThrough(PredictionCall call, Slot last) {
    return runTo(call, Math.max(call.next(), after[last.ordinal()]));
  }

  /**
   * Runs the stages of {@link Slot#RESOLVE} alone on {@code call}, which may block: the version that would answer it
   * (alias, canary, experiment arm), for a way in that fixes one version for work done later — an async prediction at
   * intake, a stream at its start — and then makes its calls with that version's number. The call is not ended and
   * counts nowhere; what the stages learned ({@link PredictionCall#experiment()}) stays on it.
   */
  public dev.pier.registry.ModelVersion resolve(PredictionCall call) {
    for (int i = after[Slot.RESOLVE.ordinal() - 1]; i < after[Slot.RESOLVE.ordinal()]; i++) {
      if (!stages[i].apply(call)) {
        throw new IllegalStateException("a resolve stage declined a call whose budget may block");
      }
    }
    return call.version();
  }

  /** {@link #run} for a call that may block: its answer. */
  public InferenceResponse answer(PredictionCall call) {
    if (!run(call)) {
      throw new IllegalStateException("a stage declined a call whose budget may block");
    }
    return call.response();
  }

  /**
   * Ends a call that failed in its way in after it was made (a body that does not parse): every stage sees the end
   * (metrics count it, a permit is released). Returns {@code e} for the way in to throw.
   */
  public RuntimeException fail(PredictionCall call, RuntimeException e) {
    if (call.status() == 0) {
      call.next(stages.length);
      end(call, statusOf(e), e);
    }
    return e;
  }

  private boolean runTo(PredictionCall call, int end) {
    int i = call.next();
    try {
      for (; i < end; i++) {
        if (!stages[i].apply(call)) {
          if (call.holdsPermit()) {
            // a call waiting for a worker thread never holds the model's capacity: it gives the permit back and
            // resumes at CAPACITY (the stages in between pass at once for what they did already)
            call.releasePermit();
            i = capacityAt;
          }
          call.next(i);
          return false;
        }
        if (i == releaseAfter) {
          call.releasePermit();
        }
      }
    } catch (RuntimeException e) {
      call.next(stages.length);
      end(call, statusOf(e), e);
      throw e;
    }
    call.next(i);
    if (i == stages.length && call.status() == 0) {
      end(call, 200, null);
    }
    return true;
  }

  private void end(PredictionCall call, int status, RuntimeException failure) {
    call.releasePermit();
    call.ended(status, failure);
    for (Stage stage : enders) {
      try {
        stage.end(call);
      } catch (RuntimeException e) {
        // recording an outcome must never change it
      }
    }
  }

  /**
   * Whether {@code stage} overrides {@link Stage#end}: only those are called when a call ends, so a stage with nothing
   * to record costs no call per request (the default does nothing).
   */
  private static boolean recordsEnds(Stage stage) {
    try {
      return stage.getClass().getMethod("end", PredictionCall.class).getDeclaringClass() != Stage.class;
    } catch (NoSuchMethodException e) {
      return true;
    }
  }

  private static int statusOf(RuntimeException e) {
    return switch (e) {
      case PierException p -> p.status();
      case AccessDenied a -> a.status();
      default -> 500;
    };
  }

  /** Places stages in slots; stages of one slot run in the order added. */
  public static final class Builder {
    private final Map<Slot, List<Stage>> placed = new EnumMap<>(Slot.class);

    private Builder() {}

    /** Adds {@code stage} at the end of {@code slot}. */
    public Builder add(Slot slot, Stage stage) {
      placed.computeIfAbsent(slot, s -> new ArrayList<>()).add(stage);
      return this;
    }

    /**
     * Adds {@code stage} at the start of {@code slot}, ahead of the stages placed there already: for a stage that
     * prepares what they use (online feature lookup, ahead of the runtime's feature pipeline in {@link Slot#FEATURES}).
     */
    public Builder addFirst(Slot slot, Stage stage) {
      placed.computeIfAbsent(slot, s -> new ArrayList<>()).add(0, stage);
      return this;
    }

    public PredictionPipeline build() {
      return new PredictionPipeline(placed);
    }
  }
}
