package dev.pier.grpc;

import com.google.protobuf.ByteString;
import dev.pier.grpc.v2.InferTensorContents;
import dev.pier.grpc.v2.ModelInferRequest;
import dev.pier.grpc.v2.ModelInferResponse;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.Tensor;
import dev.pier.runtime.oip.RawTensors;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Converts between the OIP gRPC messages and Pier's tensors: typed {@code contents} and
 * {@code raw_input_contents}/{@code raw_output_contents} (little-endian; BYTES elements each prefixed by a 4-byte
 * little-endian length). Every mismatch is a 400 ({@code INVALID_ARGUMENT}) naming the tensor. Public for the endpoint
 * container ({@code gpu-endpoints/server}), which serves the same service with the same codec.
 */
public final class GrpcTensors {
  /** Above this many elements a tensor is refused before any allocation. */
  static final long MAX_ELEMENTS = 64L * 1024 * 1024;

  private GrpcTensors() {}

  public static InferenceRequest request(ModelInferRequest r) {
    if (r.getInputsCount() == 0) {
      throw PierException.badRequest("'inputs' must not be empty");
    }
    boolean raw = r.getRawInputContentsCount() > 0;
    if (raw && r.getRawInputContentsCount() != r.getInputsCount()) {
      throw PierException.badRequest("raw_input_contents has " + r.getRawInputContentsCount()
          + " entries for " + r.getInputsCount() + " inputs; with raw contents every input must use them");
    }
    List<Tensor> inputs = new ArrayList<>(r.getInputsCount());
    Set<String> names = new HashSet<>();
    for (int i = 0; i < r.getInputsCount(); i++) {
      ModelInferRequest.InferInputTensor t = r.getInputs(i);
      if (t.getName().isEmpty()) {
        throw PierException.badRequest("inputs[" + i + "].name must not be empty");
      }
      if (!names.add(t.getName())) {
        throw PierException.badRequest("duplicate input '" + t.getName() + "'");
      }
      String where = "input '" + t.getName() + "'";
      Datatype datatype = Datatype.parse(t.getDatatype());
      if (datatype == null) {
        throw PierException.badRequest(where + ": datatype '" + t.getDatatype() + "' is not one of " + Datatype.names());
      }
      long[] shape = new long[t.getShapeCount()];
      long count = 1;
      for (int d = 0; d < shape.length; d++) {
        shape[d] = t.getShape(d);
        if (shape[d] < 0) {
          throw PierException.badRequest(where + ": shape[" + d + "] must be a non-negative integer, got " + shape[d]);
        }
        count = shape[d] == 0 ? 0 : (count > MAX_ELEMENTS / Math.max(1, shape[d]) ? MAX_ELEMENTS + 1 : count * shape[d]);
      }
      if (count > MAX_ELEMENTS) {
        throw new PierException(413, where + ": shape " + TensorSpec.format(shape) + " has more than " + MAX_ELEMENTS
            + " elements");
      }
      Object data = raw ? RawTensors.decode(where, datatype, (int) count, r.getRawInputContents(i).asReadOnlyByteBuffer())
          : fromContents(where, datatype, t.getContents());
      int length = java.lang.reflect.Array.getLength(data);
      if (length != count) {
        throw PierException.badRequest(where + ": shape " + TensorSpec.format(shape) + " has " + count
            + " elements but data has " + length);
      }
      inputs.add(new Tensor(t.getName(), datatype, shape, data));
    }
    List<String> outputs = new ArrayList<>();
    for (ModelInferRequest.InferRequestedOutputTensor o : r.getOutputsList()) {
      if (outputs.contains(o.getName())) {
        throw PierException.badRequest("duplicate requested output '" + o.getName() + "'");
      }
      outputs.add(o.getName());
    }
    String unit = r.getParametersMap().containsKey("unit") ? r.getParametersMap().get("unit").getStringParam() : null;
    return new InferenceRequest(r.getId().isEmpty() ? null : r.getId(), inputs, outputs,
        unit == null || unit.isEmpty() ? null : unit);
  }

  private static Object fromContents(String where, Datatype d, InferTensorContents c) {
    return switch (d) {
      case BOOL -> {
        boolean[] a = new boolean[c.getBoolContentsCount()];
        for (int i = 0; i < a.length; i++) {
          a[i] = c.getBoolContents(i);
        }
        yield a;
      }
      case INT8 -> {
        byte[] a = new byte[c.getIntContentsCount()];
        for (int i = 0; i < a.length; i++) {
          a[i] = (byte) checked(where, i, c.getIntContents(i), Byte.MIN_VALUE, Byte.MAX_VALUE, d);
        }
        yield a;
      }
      case INT16 -> {
        short[] a = new short[c.getIntContentsCount()];
        for (int i = 0; i < a.length; i++) {
          a[i] = (short) checked(where, i, c.getIntContents(i), Short.MIN_VALUE, Short.MAX_VALUE, d);
        }
        yield a;
      }
      case INT32 -> c.getIntContentsList().stream().mapToInt(Integer::intValue).toArray();
      case INT64 -> c.getInt64ContentsList().stream().mapToLong(Long::longValue).toArray();
      case UINT8 -> {
        byte[] a = new byte[c.getUintContentsCount()];
        for (int i = 0; i < a.length; i++) {
          a[i] = (byte) checked(where, i, Integer.toUnsignedLong(c.getUintContents(i)), 0, 0xFF, d);
        }
        yield a;
      }
      case UINT16 -> {
        short[] a = new short[c.getUintContentsCount()];
        for (int i = 0; i < a.length; i++) {
          a[i] = (short) checked(where, i, Integer.toUnsignedLong(c.getUintContents(i)), 0, 0xFFFF, d);
        }
        yield a;
      }
      case UINT32 -> c.getUintContentsList().stream().mapToInt(Integer::intValue).toArray();
      case UINT64 -> c.getUint64ContentsList().stream().mapToLong(Long::longValue).toArray();
      case FP32 -> {
        float[] a = new float[c.getFp32ContentsCount()];
        for (int i = 0; i < a.length; i++) {
          a[i] = c.getFp32Contents(i);
        }
        yield a;
      }
      case FP64 -> c.getFp64ContentsList().stream().mapToDouble(Double::doubleValue).toArray();
      case BYTES -> c.getBytesContentsList().stream().map(b -> b.toString(StandardCharsets.UTF_8))
          .toArray(String[]::new);
      case FP16 -> throw PierException.badRequest(where + ": FP16 has no typed contents in the protocol;"
          + " send it in raw_input_contents");
    };
  }

  private static long checked(String where, int i, long v, long min, long max, Datatype d) {
    if (v < min || v > max) {
      throw PierException.badRequest(where + ": contents[" + i + "] = " + v + " is out of range for " + d);
    }
    return v;
  }

  /** Answers with typed contents, or raw contents when the request used raw inputs (as clients expect). */
  public static ModelInferResponse response(InferenceResponse r, boolean raw) {
    ModelInferResponse.Builder b = ModelInferResponse.newBuilder()
        .setModelName(r.modelName())
        .setModelVersion(Integer.toString(r.modelVersion()));
    if (r.id() != null) {
      b.setId(r.id());
    }
    for (Tensor t : r.outputs()) {
      ModelInferResponse.InferOutputTensor.Builder o = ModelInferResponse.InferOutputTensor.newBuilder()
          .setName(t.name()).setDatatype(t.datatype().name());
      for (long d : t.shape()) {
        o.addShape(d);
      }
      if (raw || t.datatype() == Datatype.FP16) {
        b.addRawOutputContents(ByteString.copyFrom(RawTensors.encode(t)));
      } else {
        o.setContents(contents(t));
      }
      b.addOutputs(o);
    }
    return b.build();
  }

  private static InferTensorContents contents(Tensor t) {
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    switch (t.datatype()) {
      case BOOL -> {
        for (boolean v : (boolean[]) t.data()) {
          c.addBoolContents(v);
        }
      }
      case INT8, INT16 -> {
        if (t.data() instanceof byte[] a) {
          for (byte v : a) {
            c.addIntContents(v);
          }
        } else {
          for (short v : (short[]) t.data()) {
            c.addIntContents(v);
          }
        }
      }
      case INT32 -> {
        for (int v : (int[]) t.data()) {
          c.addIntContents(v);
        }
      }
      case INT64 -> {
        for (long v : (long[]) t.data()) {
          c.addInt64Contents(v);
        }
      }
      case UINT8 -> {
        for (byte v : (byte[]) t.data()) {
          c.addUintContents(v & 0xFF);
        }
      }
      case UINT16 -> {
        for (short v : (short[]) t.data()) {
          c.addUintContents(v & 0xFFFF);
        }
      }
      case UINT32 -> {
        for (int v : (int[]) t.data()) {
          c.addUintContents(v);
        }
      }
      case UINT64 -> {
        for (long v : (long[]) t.data()) {
          c.addUint64Contents(v);
        }
      }
      case FP32 -> {
        for (float v : (float[]) t.data()) {
          c.addFp32Contents(v);
        }
      }
      case FP64 -> {
        for (double v : (double[]) t.data()) {
          c.addFp64Contents(v);
        }
      }
      case BYTES -> {
        for (String v : (String[]) t.data()) {
          c.addBytesContents(ByteString.copyFromUtf8(v));
        }
      }
      case FP16 -> throw new IllegalStateException("FP16 goes raw");
    }
    return c.build();
  }
}
