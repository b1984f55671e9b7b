package dev.pier.runtime.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.EngineMessage;
import dev.pier.runtime.InferenceEngine;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.Tensor;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** One ONNX Runtime session. {@link OrtSession#run} is thread-safe, so one session serves all requests. */
final class OnnxModel implements LoadedModel {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final Signature signature;
  private final long sizeBytes;
  private final OnnxBindings bindings;

  OnnxModel(OrtEnvironment env, OrtSession session, Signature signature, long artifactBytes) {
    this.env = env;
    this.session = session;
    this.signature = signature;
    this.sizeBytes = InferenceEngine.residentBytes(artifactBytes);
    this.bindings = new OnnxBindings(env);
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
    OnnxBindings.Key key = OnnxBindings.key(inputs, outputs);
    if (key != null) {
      try {
        List<Tensor> bound = bindings.run(session, key, inputs);
        if (bound != null) {
          return bound;
        }
      } catch (OrtException e) {
        List<Tensor> out = run(inputs, outputs); // throws if the input itself is what the runtime refuses
        bindings.refuse(key); // it was the pinned outputs: shapes that depend on the data
        return out;
      }
    }
    List<Tensor> out = run(inputs, outputs);
    if (key != null) {
      bindings.learn(key, out);
    }
    return out;
  }

  /** An ordinary run: inputs copied into new native tensors, outputs read from the ones ONNX Runtime creates. */
  private List<Tensor> run(List<Tensor> inputs, List<String> outputs) {
    Map<String, OnnxTensor> feeds = new HashMap<>(inputs.size() * 2);
    try {
      for (Tensor t : inputs) {
        feeds.put(t.name(), toOnnx(t));
      }
      Set<String> wanted = new LinkedHashSet<>(outputs);
      if (wanted.isEmpty()) {
        signature.outputs().forEach(o -> wanted.add(o.name()));
      }
      try (OrtSession.Result result = session.run(feeds, wanted)) {
        List<Tensor> out = new ArrayList<>(wanted.size());
        for (String name : wanted) {
          OnnxValue value = result.get(name).orElseThrow();
          out.add(fromOnnx(name, signature.output(name).orElseThrow().datatype(), (OnnxTensor) value));
        }
        return out;
      }
    } catch (OrtException e) {
      // Inputs were checked against the signature; what the runtime still refuses is about their values.
      throw PierException.badRequest("the model could not run on this input: " + EngineMessage.of(e));
    } finally {
      feeds.values().forEach(OnnxTensor::close);
    }
  }

  private OnnxTensor toOnnx(Tensor t) throws OrtException {
    long[] shape = t.shape();
    return switch (t.datatype()) {
      case FP32 -> OnnxTensor.createTensor(env, FloatBuffer.wrap((float[]) t.data()), shape);
      case FP64 -> OnnxTensor.createTensor(env, DoubleBuffer.wrap((double[]) t.data()), shape);
      case INT64 -> OnnxTensor.createTensor(env, LongBuffer.wrap((long[]) t.data()), shape);
      case INT32 -> OnnxTensor.createTensor(env, IntBuffer.wrap((int[]) t.data()), shape);
      case INT16 -> OnnxTensor.createTensor(env, ShortBuffer.wrap((short[]) t.data()), shape);
      case INT8, UINT8 -> OnnxTensor.createTensor(env, ByteBuffer.wrap((byte[]) t.data()), shape,
          OnnxEngine.javaType(t.datatype()));
      case BOOL -> {
        boolean[] b = (boolean[]) t.data();
        ByteBuffer bytes = ByteBuffer.allocate(b.length);
        for (boolean v : b) {
          bytes.put((byte) (v ? 1 : 0));
        }
        yield OnnxTensor.createTensor(env, bytes.flip(), shape, OnnxJavaType.BOOL);
      }
      case FP16 -> {
        float[] f = (float[]) t.data();
        ShortBuffer halves = ShortBuffer.allocate(f.length);
        for (float v : f) {
          halves.put(Float.floatToFloat16(v));
        }
        yield OnnxTensor.createTensor(env, halves.flip(), shape, OnnxJavaType.FLOAT16);
      }
      case BYTES -> OnnxTensor.createTensor(env, (String[]) t.data(), shape);
      case UINT16, UINT32, UINT64 -> throw PierException.badRequest("input '" + t.name() + "': datatype "
          + t.datatype() + " is not supported by the ONNX engine");
    };
  }


  private static Tensor fromOnnx(String name, Datatype datatype, OnnxTensor t) throws OrtException {
    long[] shape = t.getInfo().getShape();
    Object data = switch (datatype) {
      case FP32, FP16 -> array(t.getFloatBuffer());
      case FP64 -> array(t.getDoubleBuffer());
      case INT64, UINT64 -> array(t.getLongBuffer());
      case INT32, UINT32 -> array(t.getIntBuffer());
      case INT16, UINT16 -> array(t.getShortBuffer());
      case INT8, UINT8 -> array(t.getByteBuffer());
      case BOOL -> {
        byte[] bytes = array(t.getByteBuffer());
        boolean[] b = new boolean[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
          b[i] = bytes[i] != 0;
        }
        yield b;
      }
      case BYTES -> {
        List<String> flat = new ArrayList<>();
        flatten(t.getValue(), flat);
        yield flat.toArray(String[]::new);
      }
    };
    return new Tensor(name, datatype, shape, data);
  }

  private static void flatten(Object value, List<String> into) {
    if (value instanceof String s) {
      into.add(s);
    } else if (value != null && value.getClass().isArray()) {
      for (int i = 0, n = Array.getLength(value); i < n; i++) {
        flatten(Array.get(value, i), into);
      }
    }
  }

  private static float[] array(FloatBuffer b) {
    float[] a = new float[b.remaining()];
    b.get(a);
    return a;
  }

  private static double[] array(DoubleBuffer b) {
    double[] a = new double[b.remaining()];
    b.get(a);
    return a;
  }

  private static long[] array(LongBuffer b) {
    long[] a = new long[b.remaining()];
    b.get(a);
    return a;
  }

  private static int[] array(IntBuffer b) {
    int[] a = new int[b.remaining()];
    b.get(a);
    return a;
  }

  private static short[] array(ShortBuffer b) {
    short[] a = new short[b.remaining()];
    b.get(a);
    return a;
  }

  private static byte[] array(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.get(a);
    return a;
  }

  @Override
  public void close() {
    bindings.close();
    try {
      session.close();
    } catch (OrtException e) {
      // nothing more to free
    }
  }

  @Override
  public String toString() {
    return "OnnxModel" + signature.inputs().stream().map(TensorSpec::toString).toList();
  }
}
