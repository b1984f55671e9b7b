package dev.pier.kernel.tensor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.PierException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads and writes a {@link Signature} in the Open Inference Protocol's tensor-metadata form:
 * {@code {"inputs": [{"name": "x", "datatype": "FP32", "shape": [-1, 4]}], "outputs": [...]}}.
 */
public final class SignatureJson {
  private SignatureJson() {}

  /** Parses a signature; a malformed one is a 400 naming the field at fault, prefixed by {@code where}. */
  public static Signature parse(JsonNode node, String where) {
    if (node == null || !node.isObject()) {
      throw PierException.badRequest(where + " must be an object with 'inputs' and 'outputs'");
    }
    return new Signature(specs(node.get("inputs"), where + ".inputs"), specs(node.get("outputs"), where + ".outputs"));
  }

  private static List<TensorSpec> specs(JsonNode array, String where) {
    if (array == null || array.isNull()) {
      return List.of();
    }
    if (!array.isArray()) {
      throw PierException.badRequest(where + " must be an array");
    }
    List<TensorSpec> specs = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < array.size(); i++) {
      JsonNode t = array.get(i);
      String at = where + "[" + i + "]";
      if (!t.isObject()) {
        throw PierException.badRequest(at + " must be an object");
      }
      JsonNode name = t.get("name");
      if (name == null || !name.isTextual() || name.asText().isEmpty()) {
        throw PierException.badRequest(at + ".name must be a non-empty string");
      }
      if (!names.add(name.asText())) {
        throw PierException.badRequest(at + ": duplicate tensor name '" + name.asText() + "'");
      }
      JsonNode dt = t.get("datatype");
      Datatype datatype = dt != null && dt.isTextual() ? Datatype.parse(dt.asText()) : null;
      if (datatype == null) {
        throw PierException.badRequest(at + ".datatype must be one of " + Datatype.names());
      }
      JsonNode shape = t.get("shape");
      if (shape == null || !shape.isArray()) {
        throw PierException.badRequest(at + ".shape must be an array of integers (-1 for any size)");
      }
      long[] dims = new long[shape.size()];
      for (int d = 0; d < dims.length; d++) {
        JsonNode dim = shape.get(d);
        if (!dim.isIntegralNumber() || dim.asLong() < -1) {
          throw PierException.badRequest(at + ".shape[" + d + "] must be an integer >= -1");
        }
        dims[d] = dim.asLong();
      }
      specs.add(new TensorSpec(name.asText(), datatype, dims));
    }
    return specs;
  }

  public static ObjectNode write(Signature signature) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.set("inputs", write(signature.inputs()));
    node.set("outputs", write(signature.outputs()));
    return node;
  }

  public static ArrayNode write(List<TensorSpec> specs) {
    ArrayNode array = JsonNodeFactory.instance.arrayNode();
    for (TensorSpec s : specs) {
      ObjectNode t = array.addObject();
      t.put("name", s.name());
      t.put("datatype", s.datatype().name());
      ArrayNode shape = t.putArray("shape");
      for (long d : s.shape()) {
        shape.add(d);
      }
    }
    return array;
  }
}
