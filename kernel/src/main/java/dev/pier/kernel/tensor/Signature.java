package dev.pier.kernel.tensor;

import java.util.List;
import java.util.Optional;

/** What a model takes and gives: its input and output tensors, in the order the model declares them. */
public record Signature(List<TensorSpec> inputs, List<TensorSpec> outputs) {

  public Signature {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  public Optional<TensorSpec> input(String name) {
    return inputs.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  public Optional<TensorSpec> output(String name) {
    return outputs.stream().filter(t -> t.name().equals(name)).findFirst();
  }
}
