package dev.pier.engine.torch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import dev.pier.runtime.EngineMessage;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.Tensor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One TorchScript module. Running a module is thread-safe in libtorch, so one module serves all requests; each call
 * gets its own child NDManager, closed at the end of the call, so no native tensor outlives it.
 */
final class TorchModel implements LoadedModel {
  private final PtNDManager root;
  private final PtSymbolBlock block;
  private final Signature signature;
  private final boolean optimizer;
  private final long sizeBytes;
  private final TensorSpec[] inputs;
  private final TensorSpec[] outputs;

  TorchModel(PtNDManager root, PtSymbolBlock block, Signature signature, boolean optimizer, long sizeBytes) {
    this.root = root;
    this.block = block;
    this.signature = signature;
    this.optimizer = optimizer;
    this.sizeBytes = sizeBytes;
    this.inputs = signature.inputs().toArray(TensorSpec[]::new);
    this.outputs = signature.outputs().toArray(TensorSpec[]::new);
  }

  @Override
  public Signature signature() {
    return signature;
  }

  @Override
  public long sizeBytes() {
    return sizeBytes;
  }

  @Override
  public List<Tensor> infer(List<Tensor> given, List<String> wanted) {
    Tensor[] ordered = new Tensor[inputs.length];
    int bytes = 0;
    for (int i = 0; i < inputs.length; i++) {
      ordered[i] = find(given, inputs[i].name());
      bytes = Math.addExact(bytes, TorchTensors.byteSize(ordered[i]));
    }
    ByteBuffer scratch = TorchTensors.scratch(bytes);
    try (PtNDManager call = (PtNDManager) root.newSubManager()) {
      NDList in = new NDList(inputs.length);
      for (int i = 0; i < inputs.length; i++) {
        Tensor t = ordered[i];
        int n = TorchTensors.byteSize(t);
        ByteBuffer slice = scratch.slice(scratch.position(), n).order(scratch.order());
        TorchTensors.write(t, slice);
        scratch.position(scratch.position() + n);
        in.add(call.create(slice, new Shape(t.shape()), TorchTensors.dataType(t.datatype())));
      }
      NDList out = run(in);
      List<Tensor> result = new ArrayList<>(wanted.isEmpty() ? outputs.length : wanted.size());
      if (wanted.isEmpty()) {
        for (int i = 0; i < outputs.length; i++) {
          result.add(TorchTensors.read(outputs[i].name(), outputs[i].datatype(), out.get(i)));
        }
      } else {
        for (String name : wanted) {
          int i = outputIndex(name);
          result.add(TorchTensors.read(name, outputs[i].datatype(), out.get(i)));
        }
      }
      return result;
    }
  }

  private NDList run(NDList in) {
    // libtorch keeps the graph-optimizer switch per thread, so it is set on the calling thread every time.
    JniUtils.setGraphExecutorOptimize(optimizer);
    try {
      return IValueUtils.forward(block, in, false);
    } catch (RuntimeException e) {
      // Inputs were checked against the signature; what libtorch still refuses is about their values or the
      // declared shapes.
      throw PierException.badRequest("the model could not run on this input: " + EngineMessage.of(e));
    }
  }

  /**
   * Runs the model once on zeros shaped like the declared inputs and compares what comes back with the declared
   * outputs, so that a wrong declaration is a 400 at registration rather than an error on every request.
   */
  void checkDeclaredSignature() {
    try (PtNDManager call = (PtNDManager) root.newSubManager()) {
      NDList in = new NDList(inputs.length);
      for (TensorSpec spec : inputs) {
        long[] dims = spec.shape();
        for (int d = 0; d < dims.length; d++) {
          dims[d] = dims[d] == -1 ? 1 : dims[d];
        }
        in.add(call.zeros(new Shape(dims), TorchTensors.dataType(spec.datatype())));
      }
      NDList out;
      try {
        JniUtils.setGraphExecutorOptimize(optimizer);
        out = IValueUtils.forward(block, in, false);
      } catch (RuntimeException e) {
        throw PierException.badRequest("metadata.signature does not fit the TorchScript model: running it on zeros"
            + " shaped like the declared inputs failed: " + EngineMessage.of(e));
      }
      if (out.size() != outputs.length) {
        throw PierException.badRequest("metadata.signature declares " + outputs.length + " output(s) but the"
            + " TorchScript model returns " + out.size());
      }
      for (int i = 0; i < outputs.length; i++) {
        NDArray array = out.get(i);
        TensorSpec spec = outputs[i];
        if (array.getDataType() != TorchTensors.dataType(spec.datatype())) {
          throw PierException.badRequest("metadata.signature: output '" + spec.name() + "' is declared "
              + spec.datatype() + " but the model returns " + array.getDataType());
        }
        if (!spec.accepts(array.getShape().getShape())) {
          throw PierException.badRequest("metadata.signature: output '" + spec.name() + "' is declared with shape "
              + TensorSpec.format(spec.shape()) + " but the model returns " + array.getShape());
        }
      }
    }
  }

  private int outputIndex(String name) {
    for (int i = 0; i < outputs.length; i++) {
      if (outputs[i].name().equals(name)) {
        return i;
      }
    }
    throw PierException.badRequest("unknown output '" + name + "'");
  }

  private static Tensor find(List<Tensor> given, String name) {
    for (Tensor t : given) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    throw PierException.badRequest("missing input '" + name + "'");
  }

  @Override
  public void close() {
    block.close();
  }

  @Override
  public String toString() {
    return "TorchModel" + signature.inputs();
  }
}
