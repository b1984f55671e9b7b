package dev.pier.runtime;

import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import java.util.List;

/**
 * Checks a request against a model's signature before any engine sees it, so every mistake is a 400 that names
 * the tensor and the problem rather than an engine error.
 */
public final class SignatureCheck {
  private SignatureCheck() {}

  /**
   * Runs on every prediction of a version with a signature: indexed loops over the (few) tensors, no set, stream or
   * iterator per call.
   */
  public static void check(Signature signature, InferenceRequest request) {
    List<Tensor> inputs = request.inputs();
    List<TensorSpec> specs = signature.inputs();
    for (int i = 0; i < inputs.size(); i++) {
      Tensor t = inputs.get(i);
      TensorSpec spec = named(specs, t.name());
      if (spec == null) {
        throw PierException.badRequest("unknown input '" + t.name() + "': the model takes " + names(specs));
      }
      if (t.datatype() != spec.datatype()) {
        throw PierException.badRequest("input '" + t.name() + "': datatype " + t.datatype()
            + " does not match the model's " + spec.datatype());
      }
      if (!spec.accepts(t.shape())) {
        throw PierException.badRequest("input '" + t.name() + "': shape " + TensorSpec.format(t.shape())
            + " does not match the model's " + TensorSpec.format(spec.shape()) + " (-1 = any size)");
      }
    }
    for (int s = 0; s < specs.size(); s++) {
      TensorSpec spec = specs.get(s);
      if (!sent(inputs, spec.name())) {
        throw PierException.badRequest("missing input '" + spec.name() + "' (" + spec.datatype()
            + TensorSpec.format(spec.shape()) + ")");
      }
    }
    List<String> outputs = request.outputs();
    for (int o = 0; o < outputs.size(); o++) {
      if (named(signature.outputs(), outputs.get(o)) == null) {
        throw PierException.badRequest("unknown output '" + outputs.get(o) + "': the model gives "
            + names(signature.outputs()));
      }
    }
  }

  /** The first spec named {@code name}, or null ({@code Signature.input}'s answer, without a stream). */
  private static TensorSpec named(List<TensorSpec> specs, String name) {
    for (int i = 0; i < specs.size(); i++) {
      if (specs.get(i).name().equals(name)) {
        return specs.get(i);
      }
    }
    return null;
  }

  private static boolean sent(List<Tensor> inputs, String name) {
    for (int i = 0; i < inputs.size(); i++) {
      if (inputs.get(i).name().equals(name)) {
        return true;
      }
    }
    return false;
  }

  private static String names(List<TensorSpec> specs) {
    return specs.stream().map(s -> "'" + s.name() + "'").toList().toString();
  }
}
