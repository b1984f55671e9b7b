package dev.pier.runtime.prediction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import dev.pier.runtime.Budget;
import dev.pier.runtime.ConcurrencyLimits;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.InferenceResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The chain itself, with stages that record what they see: order, declines and resumption, endings, the permit. */
class PredictionPipelineTest {
  private final List<String> seen = new ArrayList<>();

  /** A stage that records its name; with {@code answer}, sets a response. */
  private Stage recording(String name, boolean answer) {
    return new Stage() {
      @Override
      public boolean apply(PredictionCall call) {
        seen.add(name);
        if (answer) {
          call.response(new InferenceResponse(call.model(), 1, null, List.of()));
        }
        return true;
      }

      @Override
      public void end(PredictionCall call) {
        seen.add("end " + name + " " + call.status());
      }
    };
  }

  private static PredictionCall call(Budget budget) {
    return new PredictionCall(WayIn.REST, "m", null, null, "r1", null, System.nanoTime(), budget)
        .request(new InferenceRequest("r1", List.of(), List.of()));
  }

  @Test
  void stagesRunInSlotOrderWhateverOrderTheyWereAddedIn() {
    PredictionPipeline pipeline = PredictionPipeline.builder()
        .add(Slot.METRICS, recording("metrics", false))
        .add(Slot.ENGINE, recording("engine", true))
        .add(Slot.RESOLVE, recording("resolve", false))
        .add(Slot.CAPACITY, recording("concurrency", false))
        .add(Slot.ADMIT, recording("authorize", false))
        .build();
    assertThat(pipeline.run(call(Budget.WAIT))).isTrue();
    assertThat(seen).containsExactly("authorize", "concurrency", "resolve", "engine", "metrics",
        "end authorize 200", "end concurrency 200", "end resolve 200", "end engine 200", "end metrics 200");
  }

  @Test
  void aStageAddedFirstRunsAheadOfThoseItsSlotHeldAlready() {
    PredictionPipeline pipeline = PredictionPipeline.builder()
        .add(Slot.FEATURES, recording("feature pipeline", false))
        .add(Slot.ENGINE, recording("engine", true))
        .addFirst(Slot.FEATURES, recording("online lookup", false))
        .build();
    assertThat(pipeline.run(call(Budget.WAIT))).isTrue();
    assertThat(seen).startsWith("online lookup", "feature pipeline", "engine");
  }

  @Test
  void resolvingRunsTheResolveSlotAloneAndEndsNothing() {
    PredictionPipeline pipeline = PredictionPipeline.builder()
        .add(Slot.ADMIT, recording("authorize", false))
        .add(Slot.CAPACITY, recording("concurrency", false))
        .add(Slot.RESOLVE, recording("resolve", false))
        .add(Slot.RESOLVE, recording("experiment", false))
        .add(Slot.ENGINE, recording("engine", true))
        .add(Slot.METRICS, recording("metrics", false))
        .build();
    PredictionCall call = call(Budget.WAIT);
    pipeline.resolve(call);
    assertThat(seen).containsExactly("resolve", "experiment");
    assertThat(call.status()).isZero();
    assertThat(call.response()).isNull();
  }

  @Test
  void aDeclinedCallResumesAtTheStageThatDeclinedWithoutRunningEarlierOnesAgain() {
    AtomicInteger asked = new AtomicInteger();
    Stage blocksUnlessAllowed = call -> {
      asked.incrementAndGet();
      return call.budget().mayBlock();
    };
    PredictionPipeline pipeline = PredictionPipeline.builder()
        .add(Slot.RESOLVE, recording("resolve", false))
        .add(Slot.ENGINE, blocksUnlessAllowed)
        .add(Slot.METRICS, recording("metrics", false))
        .build();
    PredictionCall call = call(Budget.inline(1_000));
    assertThat(pipeline.run(call)).isFalse();
    assertThat(call.status()).as("not ended").isZero();
    assertThat(pipeline.run(call.budget(Budget.WAIT))).isTrue();
    assertThat(asked).hasValue(2);
    assertThat(seen).containsExactly("resolve", "metrics", "end resolve 200", "end metrics 200");
  }

  @Test
  void aFailingStageEndsTheCallWithItsStatusAndEveryStageSeesTheEnd() {
    PredictionPipeline pipeline = PredictionPipeline.builder()
        .add(Slot.RESOLVE, call -> {
          throw PierException.notFound("no model 'm'");
        })
        .add(Slot.ENGINE, recording("engine", true))
        .add(Slot.METRICS, recording("metrics", false))
        .build();
    PredictionCall call = call(Budget.WAIT);
    assertThatThrownBy(() -> pipeline.run(call)).hasMessageContaining("no model");
    assertThat(call.status()).isEqualTo(404);
    assertThat(seen).containsExactly("end engine 404", "end metrics 404");
  }

  @Test
  void theConcurrencyPermitCoversTheModelsWorkOnlyAndIsReleasedOnce() {
    ConcurrencyLimits limits = new ConcurrencyLimits(1, Duration.ZERO);
    List<Boolean> heldAt = new ArrayList<>();
    PredictionPipeline pipeline = PredictionPipeline.builder()
        .add(Slot.CAPACITY, new ConcurrencyStage(limits))
        .add(Slot.ENGINE, call -> {
          heldAt.add(call.holdsPermit());
          call.response(new InferenceResponse("m", 1, null, List.of()));
          return true;
        })
        .add(Slot.AUDIT, call -> {
          heldAt.add(call.holdsPermit());
          // while the audit sample is written the model's capacity is free for the next request
          limits.admit("m", System.nanoTime(), Budget.inline(0)).close();
          return true;
        })
        .build();
    PredictionCall call = call(Budget.WAIT);
    assertThat(pipeline.run(call)).isTrue();
    assertThat(heldAt).containsExactly(true, false);
    call.releasePermit(); // a second release is a no-op, never a second permit given back
    ConcurrencyLimits.Permit only = limits.admit("m", System.nanoTime(), Budget.WAIT);
    assertThat(limits.admit("m", System.nanoTime(), Budget.inline(0))).as("still one permit in all").isNull();
    only.close();
  }

  @Test
  void aFailureAfterAdmissionReleasesThePermitAndEndsTheCallOnce() {
    ConcurrencyLimits limits = new ConcurrencyLimits(1, Duration.ZERO);
    PredictionPipeline pipeline = PredictionPipeline.builder()
        .add(Slot.CAPACITY, new ConcurrencyStage(limits))
        .add(Slot.METRICS, recording("metrics", false))
        .build();
    PredictionCall call = new PredictionCall(WayIn.GRPC, "m", null, null, null, null, System.nanoTime(), Budget.WAIT);
    assertThat(pipeline.runThrough(call, Slot.CAPACITY)).isTrue();
    assertThat(call.holdsPermit()).isTrue();
    RuntimeException malformed = PierException.badRequest("malformed JSON");
    assertThat(pipeline.fail(call, malformed)).isSameAs(malformed);
    pipeline.fail(call, malformed);
    assertThat(call.holdsPermit()).isFalse();
    assertThat(seen).containsExactly("end metrics 400");
    limits.admit("m", System.nanoTime(), Budget.inline(0)).close();
  }
}
