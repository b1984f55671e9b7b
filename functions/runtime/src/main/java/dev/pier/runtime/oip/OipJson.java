package dev.pier.runtime.oip;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.PierException;
import dev.pier.kernel.json.RequestJson;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The JSON form of the Open Inference Protocol's inference request and response (REST, V2). Decoding is strict:
 * anything that is not exactly what the protocol allows is a 400 whose message names the field, so that no input
 * reaches an engine in a shape it did not declare.
 */
public final class OipJson {
  /** Above this many elements a tensor is refused before any allocation. */
  static final long MAX_ELEMENTS = 64L * 1024 * 1024;

  /** The largest finite IEEE half-precision value. */
  private static final double FP16_MAX = 65504;
  private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
  private static final ObjectMapper MAPPER = RequestJson.mapper();
  private static final JsonFactory FACTORY = MAPPER.getFactory();

  private OipJson() {}

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /**
   * Parses a body as JSON by {@link RequestJson}'s rules; malformed JSON (NaN literals, trailing garbage, duplicate
   * keys, nesting beyond its bound) is a 400 naming the problem.
   */
  public static JsonNode readTree(byte[] body) {
    return RequestJson.readTree(body);
  }

  public static InferenceRequest parseRequest(byte[] body) {
    return parseRequest(body, -1);
  }

  /**
   * Parses a request; with {@code headerLength} >= 0 (the binary extension's {@code Inference-Header-Content-Length})
   * the body is that many bytes of JSON followed by the raw data of the inputs that declare
   * {@code parameters.binary_data_size}, in input order.
   */
  public static InferenceRequest parseRequest(byte[] body, int headerLength) {
    ByteBuffer binary = null;
    byte[] json = body;
    if (headerLength >= 0) {
      if (body == null || headerLength > body.length) {
        throw PierException.badRequest("Inference-Header-Content-Length " + headerLength + " exceeds the body's "
            + (body == null ? 0 : body.length) + " bytes");
      }
      json = java.util.Arrays.copyOf(body, headerLength);
      binary = ByteBuffer.wrap(body, headerLength, body.length - headerLength);
    }
    JsonNode root = readTree(json);
    if (!root.isObject()) {
      throw PierException.badRequest("request body must be a JSON object with 'inputs'");
    }
    JsonNode id = root.get("id");
    if (id != null && !id.isNull() && !id.isTextual()) {
      throw PierException.badRequest("'id' must be a string");
    }
    JsonNode parameters = root.get("parameters");
    if (parameters != null && !parameters.isNull() && !parameters.isObject()) {
      throw PierException.badRequest("'parameters' must be an object");
    }
    JsonNode unit = parameters == null ? null : parameters.get("unit");
    if (unit != null && !unit.isNull() && !unit.isTextual()) {
      throw PierException.badRequest("'parameters.unit' must be a string");
    }
    JsonNode explain = parameters == null ? null : parameters.get("explain");
    if (explain != null && !explain.isNull()
        && !(explain.isTextual() && (explain.asText().equals("shap") || explain.asText().equals("lime")))) {
      throw PierException.badRequest("'parameters.explain' must be \"shap\" or \"lime\", got " + explain);
    }
    JsonNode inputs = root.get("inputs");
    if (inputs == null || inputs.isNull()) {
      throw PierException.badRequest("'inputs' is required");
    }
    if (!inputs.isArray()) {
      throw PierException.badRequest("'inputs' must be an array of tensors");
    }
    if (inputs.isEmpty()) {
      throw PierException.badRequest("'inputs' must not be empty");
    }
    List<Tensor> tensors = new ArrayList<>(inputs.size());
    for (int i = 0; i < inputs.size(); i++) {
      Tensor t = parseTensor(inputs.get(i), "inputs[" + i + "]", binary);
      for (Tensor earlier : tensors) { // a model has a handful of inputs: a scan, not a set per request
        if (earlier.name().equals(t.name())) {
          throw PierException.badRequest("duplicate input '" + t.name() + "'");
        }
      }
      tensors.add(t);
    }
    if (binary != null && binary.hasRemaining()) {
      throw PierException.badRequest(binary.remaining() + " bytes of binary data are left over after the inputs'"
          + " binary_data_size");
    }
    JsonNode requested = root.get("outputs");
    boolean allBinary = parameters != null && parameters.path("binary_data_output").asBoolean(false);
    if (!allBinary && (requested == null || requested.isNull())) {
      return new InferenceRequest(id == null || id.isNull() ? null : id.asText(), tensors, List.of(),
          unit == null || unit.isNull() ? null : unit.asText(),
          explain == null || explain.isNull() ? null : explain.asText(), Set.of());
    }
    List<String> outputs = new ArrayList<>();
    Set<String> binaryOutputs = new HashSet<>();
    if (allBinary) {
      binaryOutputs.add("*");
    }
    if (requested != null && !requested.isNull()) {
      if (!requested.isArray()) {
        throw PierException.badRequest("'outputs' must be an array of {\"name\": ...}");
      }
      for (int i = 0; i < requested.size(); i++) {
        JsonNode o = requested.get(i);
        JsonNode name = o.isObject() ? o.get("name") : null;
        if (name == null || !name.isTextual() || name.asText().isEmpty()) {
          throw PierException.badRequest("outputs[" + i + "].name must be a non-empty string");
        }
        if (outputs.contains(name.asText())) {
          throw PierException.badRequest("duplicate requested output '" + name.asText() + "'");
        }
        outputs.add(name.asText());
        if (o.path("parameters").path("binary_data").asBoolean(false)) {
          binaryOutputs.add(name.asText());
        }
      }
    }
    return new InferenceRequest(id == null || id.isNull() ? null : id.asText(), tensors, outputs,
        unit == null || unit.isNull() ? null : unit.asText(),
        explain == null || explain.isNull() ? null : explain.asText(), binaryOutputs);
  }

  private static Tensor parseTensor(JsonNode node, String at) {
    return parseTensor(node, at, null);
  }

  private static Tensor parseTensor(JsonNode node, String at, ByteBuffer binary) {
    if (!node.isObject()) {
      throw PierException.badRequest(at + " must be an object with name, datatype, shape and data");
    }
    JsonNode nameNode = node.get("name");
    if (nameNode == null || !nameNode.isTextual() || nameNode.asText().isEmpty()) {
      throw PierException.badRequest(at + ".name must be a non-empty string");
    }
    String name = nameNode.asText();
    String where = "input '" + name + "'";
    JsonNode dt = node.get("datatype");
    Datatype datatype = dt != null && dt.isTextual() ? Datatype.parse(dt.asText()) : null;
    if (datatype == null) {
      throw PierException.badRequest(where + ": datatype " + (dt == null ? "is missing" : dt + " is not one of "
          + Datatype.names()));
    }
    JsonNode shapeNode = node.get("shape");
    if (shapeNode == null || !shapeNode.isArray()) {
      throw PierException.badRequest(where + ": shape must be an array of non-negative integers");
    }
    long[] shape = new long[shapeNode.size()];
    for (int d = 0; d < shape.length; d++) {
      JsonNode dim = shapeNode.get(d);
      if (!dim.isIntegralNumber() || !dim.canConvertToLong() || dim.asLong() < 0) {
        throw PierException.badRequest(where + ": shape[" + d + "] must be a non-negative integer, got " + dim
            + (dim.isIntegralNumber() && dim.asLong() == -1 ? " (-1 is only for model metadata)" : ""));
      }
      shape[d] = dim.asLong();
    }
    long count;
    try {
      count = Tensor.elementCount(shape);
    } catch (ArithmeticException e) {
      count = Long.MAX_VALUE;
    }
    if (count > MAX_ELEMENTS) {
      throw new PierException(413, where + ": shape " + TensorSpec.format(shape) + " has more than "
          + MAX_ELEMENTS + " elements");
    }
    JsonNode params = node.get("parameters");
    if (params != null && params.isObject() && params.has("binary_data_size")) {
      JsonNode size = params.get("binary_data_size");
      if (binary == null) {
        throw PierException.badRequest(where + ": binary_data_size needs the Inference-Header-Content-Length header");
      }
      if (!size.isIntegralNumber() || size.asLong() < 0 || size.asLong() > binary.remaining()) {
        throw PierException.badRequest(where + ": binary_data_size " + size + " does not fit the "
            + binary.remaining() + " bytes of binary data left");
      }
      if (node.has("data")) {
        throw PierException.badRequest(where + ": give either data or binary_data_size, not both");
      }
      ByteBuffer slice = binary.slice(binary.position(), size.asInt());
      binary.position(binary.position() + size.asInt());
      return new Tensor(name, datatype, shape, RawTensors.decode(where, datatype, (int) count, slice));
    }
    JsonNode data = node.get("data");
    if (data == null || data.isNull()) {
      throw PierException.badRequest(where + ": data is required");
    }
    DataReader reader = new DataReader(where, datatype, (int) count);
    reader.read(data);
    if (reader.count != count) {
      throw PierException.badRequest(where + ": shape " + TensorSpec.format(shape) + " has " + count
          + " elements but data has " + reader.count);
    }
    return new Tensor(name, datatype, shape, reader.array);
  }

  /** Flattens nested or flat JSON data into the datatype's primitive array, checking every element. */
  private static final class DataReader {
    final String where;
    final Datatype datatype;
    final int capacity;
    final Object array;
    long count;

    DataReader(String where, Datatype datatype, int capacity) {
      this.where = where;
      this.datatype = datatype;
      this.capacity = capacity;
      this.array = java.lang.reflect.Array.newInstance(Tensor.arrayType(datatype).getComponentType(), capacity);
    }

    void read(JsonNode node) {
      if (node.isArray()) {
        for (JsonNode child : node) {
          read(child);
        }
        return;
      }
      long i = count++;
      if (i >= capacity) {
        return; // keep counting so the error can say how many there were
      }
      int at = (int) i;
      switch (datatype) {
        case BOOL -> {
          if (!node.isBoolean()) {
            throw wrong(at, node, "true or false");
          }
          ((boolean[]) array)[at] = node.booleanValue();
        }
        case FP16 -> ((float[]) array)[at] = (float) finite(at, node, FP16_MAX);
        case FP32 -> ((float[]) array)[at] = (float) finite(at, node, Float.MAX_VALUE);
        case FP64 -> ((double[]) array)[at] = finite(at, node, Double.MAX_VALUE);
        case INT8 -> ((byte[]) array)[at] = (byte) integer(at, node, Byte.MIN_VALUE, Byte.MAX_VALUE);
        case UINT8 -> ((byte[]) array)[at] = (byte) integer(at, node, 0, 0xFF);
        case INT16 -> ((short[]) array)[at] = (short) integer(at, node, Short.MIN_VALUE, Short.MAX_VALUE);
        case UINT16 -> ((short[]) array)[at] = (short) integer(at, node, 0, 0xFFFF);
        case INT32 -> ((int[]) array)[at] = (int) integer(at, node, Integer.MIN_VALUE, Integer.MAX_VALUE);
        case UINT32 -> ((int[]) array)[at] = (int) integer(at, node, 0, 0xFFFF_FFFFL);
        case INT64 -> ((long[]) array)[at] = integer(at, node, Long.MIN_VALUE, Long.MAX_VALUE);
        case UINT64 -> {
          if (!node.isIntegralNumber() || node.bigIntegerValue().signum() < 0
              || node.bigIntegerValue().compareTo(UINT64_MAX) > 0) {
            throw wrong(at, node, "an integer in [0, 2^64-1]");
          }
          ((long[]) array)[at] = node.bigIntegerValue().longValue();
        }
        case BYTES -> {
          if (!node.isTextual()) {
            throw wrong(at, node, "a string");
          }
          ((String[]) array)[at] = node.textValue();
        }
      }
    }

    /**
     * A number the datatype can hold: JSON has no NaN or infinities, so a value beyond the type's range (1e308 for
     * FP32, 1e400 for FP64, which Jackson reads as infinity) would reach the engine as one. One compare on the double
     * already parsed: the only per-element work this adds to the hot path.
     */
    private double finite(int at, JsonNode node, double max) {
      if (!node.isNumber()) {
        throw wrong(at, node, "a number");
      }
      double v = node.doubleValue();
      if (!(Math.abs(v) <= max)) {
        String limit = switch (datatype) {
          case FP16 -> "65504";
          case FP32 -> Float.toString(Float.MAX_VALUE);
          default -> Double.toString(Double.MAX_VALUE);
        };
        throw wrong(at, node, "a number in [-" + limit + ", " + limit + "]");
      }
      return v;
    }

    private long integer(int at, JsonNode node, long min, long max) {
      if (!node.isIntegralNumber() || !node.canConvertToLong() || node.longValue() < min || node.longValue() > max) {
        throw wrong(at, node, "an integer in [" + min + ", " + max + "]");
      }
      return node.longValue();
    }

    private PierException wrong(int at, JsonNode node, String expected) {
      String got = node.isTextual() ? "string " + node : node.isBoolean() ? "boolean " + node : node.toString();
      if (got.length() > 40) {
        got = got.substring(0, 40) + "...";
      }
      return PierException.badRequest(where + ": data[" + at + "] must be " + expected + " for " + datatype
          + ", got " + got);
    }
  }

  /** The request as OIP JSON, for forwarding to a serving container (an endpoint). */
  public static byte[] writeRequest(InferenceRequest request) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      if (request.id() != null) {
        g.writeStringField("id", request.id());
      }
      g.writeArrayFieldStart("inputs");
      for (Tensor t : request.inputs()) {
        writeTensor(g, t);
      }
      g.writeEndArray();
      if (!request.outputs().isEmpty()) {
        g.writeArrayFieldStart("outputs");
        for (String name : request.outputs()) {
          g.writeStartObject();
          g.writeStringField("name", name);
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * Reads a serving container's OIP JSON response; what it says of model name and version is replaced by the
   * version Pier routed to. A response that is not OIP is a 502.
   */
  public static InferenceResponse parseResponse(byte[] body, String model, int version) {
    JsonNode root;
    try {
      root = MAPPER.readTree(body);
    } catch (IOException e) {
      throw new PierException(502, "the endpoint answered malformed JSON: " + e.getMessage());
    }
    JsonNode outputs = root == null ? null : root.get("outputs");
    if (outputs == null || !outputs.isArray()) {
      throw new PierException(502, "the endpoint's answer has no 'outputs' array");
    }
    List<Tensor> tensors = new ArrayList<>(outputs.size());
    try {
      for (int i = 0; i < outputs.size(); i++) {
        tensors.add(parseTensor(outputs.get(i), "outputs[" + i + "]"));
      }
    } catch (PierException e) {
      throw new PierException(502, "the endpoint's answer is not valid OIP: " + e.getMessage());
    }
    JsonNode id = root.get("id");
    return new InferenceResponse(model, version, id != null && id.isTextual() ? id.asText() : null, tensors);
  }

  /**
   * Writes a response in the binary extension: outputs named in {@code binaryOutputs} (or all, with {@code "*"})
   * carry {@code parameters.binary_data_size} and their raw data follows the JSON header, in output order.
   *
   * @return the body and the JSON header's length (for {@code Inference-Header-Content-Length})
   */
  public static BinaryBody writeBinaryResponse(InferenceResponse response, Set<String> binaryOutputs) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    List<byte[]> blobs = new ArrayList<>();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("model_name", response.modelName());
      g.writeStringField("model_version", Integer.toString(response.modelVersion()));
      if (response.id() != null) {
        g.writeStringField("id", response.id());
      }
      g.writeArrayFieldStart("outputs");
      for (Tensor t : response.outputs()) {
        if (binaryOutputs.contains("*") || binaryOutputs.contains(t.name())) {
          byte[] raw = RawTensors.encode(t);
          blobs.add(raw);
          writeTensor(g, t, raw.length);
        } else {
          writeTensor(g, t, -1);
        }
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int headerLength = out.size();
    for (byte[] blob : blobs) {
      out.writeBytes(blob);
    }
    return new BinaryBody(out.toByteArray(), headerLength);
  }

  /** A binary-extension body and the length of its JSON header. */
  public record BinaryBody(byte[] body, int headerLength) {}

  public static byte[] writeResponse(InferenceResponse response) {
    return writeBinaryResponse(response, Set.of()).body(); // no binary outputs: the JSON alone
  }


  private static void writeTensor(JsonGenerator g, Tensor t) throws IOException {
    writeTensor(g, t, -1);
  }

  /** A tensor's metadata, then its JSON data, or with {@code binarySize} >= 0 the size of its raw data instead. */
  private static void writeTensor(JsonGenerator g, Tensor t, int binarySize) throws IOException {
    g.writeStartObject();
    g.writeStringField("name", t.name());
    g.writeStringField("datatype", t.datatype().name());
    g.writeArrayFieldStart("shape");
    for (long d : t.shape()) {
      g.writeNumber(d);
    }
    g.writeEndArray();
    if (binarySize >= 0) {
      g.writeObjectFieldStart("parameters");
      g.writeNumberField("binary_data_size", binarySize);
      g.writeEndObject();
    } else {
      g.writeFieldName("data");
      writeData(g, t);
    }
    g.writeEndObject();
  }

  private static void writeData(JsonGenerator g, Tensor t) throws IOException {
    g.writeStartArray();
    switch (t.datatype()) {
      case BOOL -> {
        for (boolean v : (boolean[]) t.data()) {
          g.writeBoolean(v);
        }
      }
      case FP16, FP32 -> {
        for (float v : (float[]) t.data()) {
          if (Float.isFinite(v)) {
            g.writeNumber(v);
          } else {
            g.writeNull(); // JSON has no NaN or infinity; Jackson would write the string "NaN" where a number is due
          }
        }
      }
      case FP64 -> {
        for (double v : (double[]) t.data()) {
          if (Double.isFinite(v)) {
            g.writeNumber(v);
          } else {
            g.writeNull();
          }
        }
      }
      case INT8 -> {
        for (byte v : (byte[]) t.data()) {
          g.writeNumber(v);
        }
      }
      case UINT8 -> {
        for (byte v : (byte[]) t.data()) {
          g.writeNumber(v & 0xFF);
        }
      }
      case INT16 -> {
        for (short v : (short[]) t.data()) {
          g.writeNumber(v);
        }
      }
      case UINT16 -> {
        for (short v : (short[]) t.data()) {
          g.writeNumber(v & 0xFFFF);
        }
      }
      case INT32 -> {
        for (int v : (int[]) t.data()) {
          g.writeNumber(v);
        }
      }
      case UINT32 -> {
        for (int v : (int[]) t.data()) {
          g.writeNumber(Integer.toUnsignedLong(v));
        }
      }
      case INT64 -> {
        for (long v : (long[]) t.data()) {
          g.writeNumber(v);
        }
      }
      case UINT64 -> {
        for (long v : (long[]) t.data()) {
          g.writeNumber(new BigInteger(Long.toUnsignedString(v)));
        }
      }
      case BYTES -> {
        for (String v : (String[]) t.data()) {
          g.writeString(v);
        }
      }
    }
    g.writeEndArray();
  }
}
