package dev.pier.runtime.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Native input and output buffers reused across runs of one ONNX Runtime session, so that a run neither copies its
 * inputs into fresh native memory nor has ONNX Runtime build Java objects for every output: for the demo MLP's
 * single row this takes a run from about 8.3 µs to 3.0 µs, which is most of what a small model costs per request
 * ({@code OnnxRuntimeBenchmark} in {@code tests/benchmarks}, {@code ./pier bench jmh}: the whole runtime path 3.7 µs
 * against 8.6 µs for the usual create-tensor-and-run call).
 *
 * <p>Design. A {@link Key} is the inputs' names, datatypes and shapes plus the outputs asked for. The first run of a
 * key is an ordinary one; the shapes it produces become the key's pinned output shapes, on the assumption — true of
 * nearly every model served — that output shapes follow from input shapes alone. A later run whose pinned outputs
 * ONNX Runtime refuses (a model with data-dependent output shapes) is repeated without them by the caller, and the
 * key is never pinned again. Bindings are pooled per key, one per concurrent caller, and never shared while in use.
 * Only small, numeric tensors are bound (see {@link #MAX_BYTES}); everything else runs the ordinary way.
 */
final class OnnxBindings implements AutoCloseable {
  /** Bytes of inputs plus outputs one binding may hold: the gain is per call, the copy per byte. */
  static final int MAX_BYTES = 64 * 1024;
  /** Distinct shape combinations remembered per session; beyond them calls run unbound. */
  private static final int MAX_KEYS = 16;
  /** Idle bindings kept per key: about the number of threads that run one model at once. */
  private static final int MAX_IDLE = 8;

  private final OrtEnvironment env;
  private final ConcurrentHashMap<Key, Slot> slots = new ConcurrentHashMap<>();
  private volatile boolean closed;

  OnnxBindings(OrtEnvironment env) {
    this.env = env;
  }

  /** The key of a call, or null when its inputs are not bindable (a datatype, or too many bytes). */
  static Key key(List<Tensor> inputs, List<String> outputs) {
    int n = inputs.size();
    String[] names = new String[n];
    Datatype[] types = new Datatype[n];
    long[][] shapes = new long[n][];
    long bytes = 0;
    for (int i = 0; i < n; i++) {
      Tensor t = inputs.get(i);
      int width = width(t.datatype());
      if (width == 0) {
        return null;
      }
      names[i] = t.name();
      types[i] = t.datatype();
      shapes[i] = t.shape();
      bytes += (long) width * t.length();
    }
    return bytes > MAX_BYTES ? null : new Key(names, types, shapes, bytes, outputs);
  }

  /**
   * Runs with a pooled binding of {@code key}; null when the key has no learned outputs yet or cannot be pinned
   * (the caller then runs the ordinary way and reports what it produced with {@link #learn}).
   *
   * @throws OrtException from ONNX Runtime; the caller repeats the run unbound and, if that succeeds, calls
   *     {@link #refuse}
   */
  List<Tensor> run(OrtSession session, Key key, List<Tensor> inputs) throws OrtException {
    Slot slot = slots.get(key);
    if (slot == null || slot.outputs == null) {
      return null;
    }
    Binding binding = slot.idle.poll();
    if (binding == null) {
      binding = new Binding(env, key, slot.outputs);
    } else {
      slot.idleCount.decrementAndGet();
    }
    boolean reusable = false;
    try {
      List<Tensor> out = binding.run(session, inputs);
      reusable = true;
      return out;
    } finally {
      release(key, slot, binding, reusable);
    }
  }

  /** Pools {@code binding} again, or frees it: after a failed run, once closed, or when the key has enough idle. */
  private void release(Key key, Slot slot, Binding binding, boolean reusable) {
    if (reusable && !closed) {
      if (slot.idleCount.incrementAndGet() <= MAX_IDLE) {
        slot.idle.offer(binding);
        if (closed || slots.get(key) != slot) { // closed or refused meanwhile: nobody will take it again
          drain(slot);
        }
        return;
      }
      slot.idleCount.decrementAndGet();
    }
    binding.close();
  }

  /** Records the outputs an ordinary run of {@code key} produced, so later runs of it are bound. */
  void learn(Key key, List<Tensor> produced) {
    if (closed || slots.containsKey(key) || slots.size() >= MAX_KEYS) {
      return;
    }
    long bytes = key.inputBytes;
    List<TensorSpec> shapes = new ArrayList<>(produced.size());
    for (Tensor t : produced) {
      int width = width(t.datatype());
      if (width == 0) {
        slots.putIfAbsent(key, new Slot(null)); // an output we cannot pin: remember not to try again
        return;
      }
      bytes += (long) width * t.length();
      shapes.add(new TensorSpec(t.name(), t.datatype(), t.shape().clone()));
    }
    slots.putIfAbsent(key, new Slot(bytes > MAX_BYTES ? null : List.copyOf(shapes)));
  }

  /** Never binds {@code key} again: ONNX Runtime refused its pinned outputs (their shapes depend on the data). */
  void refuse(Key key) {
    Slot old = slots.put(key, new Slot(null));
    if (old != null) {
      drain(old);
    }
  }

  /** Frees every idle binding; bindings in use are freed when their run returns. */
  @Override
  public void close() {
    closed = true;
    slots.values().forEach(OnnxBindings::drain);
  }

  private static void drain(Slot slot) {
    for (Binding b; (b = slot.idle.poll()) != null; ) {
      slot.idleCount.decrementAndGet();
      b.close();
    }
  }

  /** Bytes per element of a bindable datatype; 0 for those bound the ordinary way (FP16, strings, unsigned wide). */
  private static int width(Datatype d) {
    return switch (d) {
      case FP32, INT32 -> 4;
      case FP64, INT64 -> 8;
      case INT16 -> 2;
      case INT8, UINT8, BOOL -> 1;
      case FP16, BYTES, UINT16, UINT32, UINT64 -> 0;
    };
  }

  /** What a call binds: input names, datatypes and shapes, and the outputs asked for in order. */
  static final class Key {
    private final String[] names;
    private final Datatype[] types;
    private final long[][] shapes;
    private final long inputBytes;
    private final List<String> outputs;
    private final int hash;

    Key(String[] names, Datatype[] types, long[][] shapes, long inputBytes, List<String> outputs) {
      this.names = names;
      this.types = types;
      this.shapes = shapes;
      this.inputBytes = inputBytes;
      this.outputs = outputs;
      this.hash = 31 * (31 * (31 * Arrays.hashCode(names) + Arrays.hashCode(types)) + Arrays.deepHashCode(shapes))
          + outputs.hashCode();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && hash == k.hash && Arrays.equals(names, k.names) && Arrays.equals(types, k.types)
          && Arrays.deepEquals(shapes, k.shapes) && outputs.equals(k.outputs);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /** A key's learned outputs (null: not bindable) and its idle bindings. */
  private static final class Slot {
    final List<TensorSpec> outputs;
    final ConcurrentLinkedQueue<Binding> idle = new ConcurrentLinkedQueue<>();
    final AtomicInteger idleCount = new AtomicInteger();

    Slot(List<TensorSpec> outputs) {
      this.outputs = outputs;
    }
  }

  /** One caller's native buffers for a key: input tensors over direct buffers, and pinned output tensors. */
  private static final class Binding implements AutoCloseable {
    private final ByteBuffer[] in;
    private final Datatype[] inTypes;
    private final Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
    private final ByteBuffer[] out;
    private final List<TensorSpec> outSpecs;
    private final Map<String, OnnxTensor> pinned = new LinkedHashMap<>();

    Binding(OrtEnvironment env, Key key, List<TensorSpec> outputs) throws OrtException {
      int n = key.names.length;
      in = new ByteBuffer[n];
      inTypes = key.types;
      out = new ByteBuffer[outputs.size()];
      outSpecs = outputs;
      try {
        for (int i = 0; i < n; i++) {
          in[i] = direct(key.types[i], key.shapes[i]);
          feeds.put(key.names[i], tensor(env, in[i], key.types[i], key.shapes[i]));
        }
        for (int i = 0; i < out.length; i++) {
          TensorSpec o = outputs.get(i);
          out[i] = direct(o.datatype(), o.shape());
          pinned.put(o.name(), tensor(env, out[i], o.datatype(), o.shape()));
        }
      } catch (OrtException | RuntimeException e) {
        close();
        throw e;
      }
    }

    List<Tensor> run(OrtSession session, List<Tensor> inputs) throws OrtException {
      for (int i = 0; i < in.length; i++) {
        write(in[i], inTypes[i], inputs.get(i).data());
      }
      session.run(feeds, pinned).close(); // the result holds only the pinned outputs, which it does not own
      List<Tensor> result = new ArrayList<>(out.length);
      for (int i = 0; i < out.length; i++) {
        TensorSpec spec = outSpecs.get(i);
        result.add(new Tensor(spec.name(), spec.datatype(), spec.shape().clone(), read(out[i], spec.datatype())));
      }
      return result;
    }

    @Override
    public void close() {
      feeds.values().forEach(OnnxTensor::close);
      pinned.values().forEach(OnnxTensor::close);
    }

    private static ByteBuffer direct(Datatype type, long[] shape) {
      return ByteBuffer.allocateDirect(Math.toIntExact(width(type) * Tensor.elementCount(shape)))
          .order(ByteOrder.nativeOrder());
    }

    private static OnnxTensor tensor(OrtEnvironment env, ByteBuffer b, Datatype type, long[] shape)
        throws OrtException {
      return switch (type) {
        case FP32 -> OnnxTensor.createTensor(env, b.asFloatBuffer(), shape);
        case FP64 -> OnnxTensor.createTensor(env, b.asDoubleBuffer(), shape);
        case INT64 -> OnnxTensor.createTensor(env, b.asLongBuffer(), shape);
        case INT32 -> OnnxTensor.createTensor(env, b.asIntBuffer(), shape);
        case INT16 -> OnnxTensor.createTensor(env, b.asShortBuffer(), shape);
        case INT8 -> OnnxTensor.createTensor(env, b, shape, OnnxJavaType.INT8);
        case UINT8 -> OnnxTensor.createTensor(env, b, shape, OnnxJavaType.UINT8);
        case BOOL -> OnnxTensor.createTensor(env, b, shape, OnnxJavaType.BOOL);
        case FP16, BYTES, UINT16, UINT32, UINT64 -> throw new IllegalArgumentException(type.name());
      };
    }

    private static void write(ByteBuffer b, Datatype type, Object data) {
      switch (type) {
        case FP32 -> b.asFloatBuffer().put(0, (float[]) data);
        case FP64 -> b.asDoubleBuffer().put(0, (double[]) data);
        case INT64 -> b.asLongBuffer().put(0, (long[]) data);
        case INT32 -> b.asIntBuffer().put(0, (int[]) data);
        case INT16 -> b.asShortBuffer().put(0, (short[]) data);
        case INT8, UINT8 -> b.put(0, (byte[]) data);
        case BOOL -> {
          boolean[] v = (boolean[]) data;
          for (int i = 0; i < v.length; i++) {
            b.put(i, (byte) (v[i] ? 1 : 0));
          }
        }
        case FP16, BYTES, UINT16, UINT32, UINT64 -> throw new IllegalArgumentException(type.name());
      }
    }

    private static Object read(ByteBuffer b, Datatype type) {
      int bytes = b.capacity();
      return switch (type) {
        case FP32 -> {
          float[] a = new float[bytes / 4];
          b.asFloatBuffer().get(0, a);
          yield a;
        }
        case FP64 -> {
          double[] a = new double[bytes / 8];
          b.asDoubleBuffer().get(0, a);
          yield a;
        }
        case INT64 -> {
          long[] a = new long[bytes / 8];
          b.asLongBuffer().get(0, a);
          yield a;
        }
        case INT32 -> {
          int[] a = new int[bytes / 4];
          b.asIntBuffer().get(0, a);
          yield a;
        }
        case INT16 -> {
          short[] a = new short[bytes / 2];
          b.asShortBuffer().get(0, a);
          yield a;
        }
        case INT8, UINT8 -> {
          byte[] a = new byte[bytes];
          b.get(0, a);
          yield a;
        }
        case BOOL -> {
          boolean[] a = new boolean[bytes];
          for (int i = 0; i < bytes; i++) {
            a[i] = b.get(i) != 0;
          }
          yield a;
        }
        case FP16, BYTES, UINT16, UINT32, UINT64 -> throw new IllegalArgumentException(type.name());
      };
    }
  }
}
