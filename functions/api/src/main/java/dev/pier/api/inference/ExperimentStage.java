package dev.pier.api.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.experiments.assignment.Assignment;
import dev.pier.experiments.assignment.ExperimentAssigner;
import dev.pier.kernel.PierException;
import dev.pier.registry.ModelResolver;
import dev.pier.registry.ModelVersion;
import dev.pier.runtime.prediction.PredictionCall;
import dev.pier.runtime.prediction.Slot;
import dev.pier.runtime.prediction.Stage;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link Slot#RESOLVE}, after the alias is resolved: when a running experiment holds the alias the call names (no
 * version means {@code production}) and the call carries a unit ({@code X-Pier-Unit} or {@code parameters.unit}), the
 * unit's arm answers — its version replaces the alias's, and the call records {@code <experiment>=<arm>} for the way
 * in to answer ({@code X-Pier-Experiment}, gRPC's response parameter {@code experiment}). The unit's first exposure is
 * offered to the experiment's bounded exposure buffer (a queue offer; written to the ledger off the request path).
 * A call that names a version number is never assigned: no alias has a numeric name, so the assigner finds no route.
 * A unit a holdout keeps out keeps the alias's version and records {@code <experiment>=holdout}. The unit's attributes
 * for an experiment's targeting come from {@code X-Pier-Attributes} (a JSON object; anything else is a 400); a unit
 * they do not qualify is not assigned: the alias answers, and no exposure is logged.
 *
 * <p>Cost when nothing runs: a call without a unit passes after two field reads (the clock is not read); a call with
 * one, after one lookup of the model in the assigner's immutable snapshot (no key built, nothing allocated).
 * {@code HotPathCost} (functions/api tests) measures the three stages of an unconfigured model together. In an experiment, the arm's version comes from
 * the resolver's memory; without a budget to block, the stage declines when that version is not cached yet.
 */
final class ExperimentStage implements Stage {
  private static final String DEFAULT_ALIAS = "production";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ExperimentAssigner assigner;
  private final ModelResolver resolver;

  ExperimentStage(ExperimentAssigner assigner, ModelResolver resolver) {
    this.assigner = assigner;
    this.resolver = resolver;
  }

  /** {@code X-Pier-Attributes}: a JSON object of attribute name to value; parsed only when the request sends it. */
  static Map<String, JsonNode> attributes(String header) {
    if (header == null || header.isEmpty()) {
      return null;
    }
    JsonNode node;
    try {
      node = JSON.readTree(header);
    } catch (java.io.IOException e) {
      node = null;
    }
    if (node == null || !node.isObject()) {
      throw PierException.badRequest(InferenceResource.ATTRIBUTES_HEADER + " must be a JSON object of attribute"
          + " values, e.g. {\"country\": \"NL\"}");
    }
    Map<String, JsonNode> out = new HashMap<>();
    node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  @Override
  public boolean apply(PredictionCall call) {
    if (call.experiment() != null) {
      return true; // assigned before this call was declined and resumed
    }
    String unit = call.unit();
    if (unit == null || unit.isEmpty()) {
      return true; // no unit, no assignment: decided before the clock is read (most calls carry none)
    }
    String reference = call.reference();
    Assignment arm = assigner.assign(call.model(), reference == null ? DEFAULT_ALIAS : reference, unit,
        attributes(call.attributes()), System.currentTimeMillis());
    if (arm == null) {
      return true;
    }
    if (arm.heldOut()) {
      call.experiment(arm.header()); // kept out by a holdout: the alias's own version answers
      return true;
    }
    ModelVersion version = call.version().version() == arm.version() ? call.version()
        : resolver.resolve(call.model(), Integer.toString(arm.version()), null, call.budget().mayBlock());
    if (version == null) {
      return false; // not cached: resumed here on a thread that may read the registry (the exposure is deduplicated)
    }
    call.version(version);
    call.experiment(arm.header());
    return true;
  }
}
