package dev.pier.runtime;

import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a request against a model's signature before any engine sees it, so every mistake is a 400 that names
 * the tensor and the problem rather than an engine error.
 */
public final class SignatureCheck {
  private SignatureCheck() {}

  public static void check(Signature signature, InferenceRequest request) {
    Set<String> seen = new HashSet<>();
    for (Tensor t : request.inputs()) {
      TensorSpec spec = signature.input(t.name()).orElseThrow(() -> PierException.badRequest("unknown input '"
          + t.name() + "': the model takes " + names(signature.inputs())));
      if (t.datatype() != spec.datatype()) {
        throw PierException.badRequest("input '" + t.name() + "': datatype " + t.datatype()
            + " does not match the model's " + spec.datatype());
      }
      if (!spec.accepts(t.shape())) {
        throw PierException.badRequest("input '" + t.name() + "': shape " + TensorSpec.format(t.shape())
            + " does not match the model's " + TensorSpec.format(spec.shape()) + " (-1 = any size)");
      }
      seen.add(t.name());
    }
    for (TensorSpec spec : signature.inputs()) {
      if (!seen.contains(spec.name())) {
        throw PierException.badRequest("missing input '" + spec.name() + "' (" + spec.datatype()
            + TensorSpec.format(spec.shape()) + ")");
      }
    }
    for (String output : request.outputs()) {
      if (signature.output(output).isEmpty()) {
        throw PierException.badRequest("unknown output '" + output + "': the model gives "
            + names(signature.outputs()));
      }
    }
  }

  private static String names(List<TensorSpec> specs) {
    return specs.stream().map(s -> "'" + s.name() + "'").toList().toString();
  }
}
