package dev.pier.runtime;

import dev.pier.kernel.tensor.TensorSpec;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one synthetic request through a freshly loaded model before it takes traffic, so the first real request
 * does not pay for lazy initialisation (kernel selection, memory arenas). The request has one row (every -1
 * dimension becomes 1) of zeros, false or empty strings. A model that refuses it is still served: real inputs may
 * need values zeros are not, so a failed warm-up is logged, not fatal.
 */
final class Warmup {
  private static final System.Logger LOG = System.getLogger(Warmup.class.getName());

  private Warmup() {}

  static void run(String name, LoadedModel model) {
    List<Tensor> inputs = new ArrayList<>();
    for (TensorSpec spec : model.signature().inputs()) {
      long[] shape = spec.shape();
      long n = 1;
      for (int i = 0; i < shape.length; i++) {
        shape[i] = shape[i] < 0 ? 1 : shape[i];
        n *= shape[i];
      }
      if (n > 1 << 24) {
        return; // a fixed input this large costs more to warm than it saves
      }
      Object data = Array.newInstance(Tensor.arrayType(spec.datatype()).getComponentType(), (int) n);
      if (data instanceof String[] strings) {
        java.util.Arrays.fill(strings, "");
      }
      inputs.add(new Tensor(spec.name(), spec.datatype(), shape, data));
    }
    long start = System.nanoTime();
    try {
      model.infer(inputs, List.of());
      LOG.log(System.Logger.Level.DEBUG, "warmed up {0} in {1} us", name, (System.nanoTime() - start) / 1000);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "warm-up of {0} failed ({1}); serving it anyway", name, e.getMessage());
    }
  }
}
