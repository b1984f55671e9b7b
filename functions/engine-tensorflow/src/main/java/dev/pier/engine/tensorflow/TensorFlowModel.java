package dev.pier.engine.tensorflow;

import dev.pier.runtime.EngineMessage;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;

/** One SavedModel session. {@code Session.run} is thread-safe, so one session serves all requests. */
final class TensorFlowModel implements LoadedModel {
  private final SavedModelBundle bundle;
  private final SessionFunction function;
  private final Signature signature;
  private final long sizeBytes;

  TensorFlowModel(SavedModelBundle bundle, SessionFunction function, Signature signature, long sizeBytes) {
    this.bundle = bundle;
    this.function = function;
    this.signature = signature;
    this.sizeBytes = sizeBytes;
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
  public List<Tensor> infer(List<Tensor> inputs, List<String> outputs) {
    Map<String, org.tensorflow.Tensor> feeds = new HashMap<>(inputs.size() * 2);
    try {
      for (Tensor t : inputs) {
        feeds.put(t.name(), toTf(t));
      }
      try (Result result = function.call(feeds)) {
        List<Tensor> out = new ArrayList<>(outputs.isEmpty() ? signature.outputs().size() : outputs.size());
        if (outputs.isEmpty()) {
          for (TensorSpec spec : signature.outputs()) {
            out.add(fromTf(spec, result.get(spec.name()).orElseThrow()));
          }
        } else {
          for (String name : outputs) {
            out.add(fromTf(signature.output(name).orElseThrow(), result.get(name).orElseThrow()));
          }
        }
        return out;
      }
    } catch (TensorFlowException e) {
      throw PierException.badRequest("the model could not run on this input: " + EngineMessage.of(e));
    } finally {
      feeds.values().forEach(org.tensorflow.Tensor::close);
    }
  }

  private static org.tensorflow.Tensor toTf(Tensor t) {
    Shape shape = Shape.of(t.shape());
    return switch (t.datatype()) {
      case FP32 -> TFloat32.tensorOf(shape, DataBuffers.of((float[]) t.data(), true, false));
      case FP64 -> TFloat64.tensorOf(shape, DataBuffers.of((double[]) t.data(), true, false));
      case INT32 -> TInt32.tensorOf(shape, DataBuffers.of((int[]) t.data(), true, false));
      case INT64 -> TInt64.tensorOf(shape, DataBuffers.of((long[]) t.data(), true, false));
      case UINT8 -> TUint8.tensorOf(shape, DataBuffers.of((byte[]) t.data(), true, false));
      case BOOL -> TBool.tensorOf(shape, DataBuffers.of((boolean[]) t.data(), true, false));
      case BYTES -> TString.tensorOf(shape, DataBuffers.ofObjects((String[]) t.data()));
      default -> throw PierException.badRequest("input '" + t.name() + "': datatype " + t.datatype()
          + " is not served by the TensorFlow engine");
    };
  }

  private static Tensor fromTf(TensorSpec spec, org.tensorflow.Tensor t) {
    long[] shape = t.shape().asArray();
    int n = Math.toIntExact(t.shape().size());
    Object data = switch (spec.datatype()) {
      case FP32 -> {
        float[] a = new float[n];
        ((TFloat32) t).copyTo(DataBuffers.of(a, false, false));
        yield a;
      }
      case FP64 -> {
        double[] a = new double[n];
        ((TFloat64) t).copyTo(DataBuffers.of(a, false, false));
        yield a;
      }
      case INT32 -> {
        int[] a = new int[n];
        ((TInt32) t).copyTo(DataBuffers.of(a, false, false));
        yield a;
      }
      case INT64 -> {
        long[] a = new long[n];
        ((TInt64) t).copyTo(DataBuffers.of(a, false, false));
        yield a;
      }
      case UINT8 -> {
        byte[] a = new byte[n];
        ((TUint8) t).copyTo(DataBuffers.of(a, false, false));
        yield a;
      }
      case BOOL -> {
        boolean[] a = new boolean[n];
        ((TBool) t).copyTo(DataBuffers.of(a, false, false));
        yield a;
      }
      case BYTES -> {
        String[] a = new String[n];
        ((TString) t).copyTo(DataBuffers.ofObjects(a));
        yield a;
      }
      default -> throw new IllegalStateException(spec.datatype().name());
    };
    return new Tensor(spec.name(), spec.datatype(), shape, data);
  }

  @Override
  public void close() {
    bundle.close();
  }

  @Override
  public String toString() {
    return "TensorFlowModel" + signature.inputs();
  }
}
