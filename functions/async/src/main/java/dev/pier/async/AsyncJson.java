package dev.pier.async;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The JSON of an async prediction, as {@code GET /api/v1/predictions/{id}} answers and as callbacks carry it:
 * {@code id}, {@code state}, {@code model_name}, {@code model_version}, {@code created}, {@code updated},
 * {@code attempts}, and once done either {@code response} (the OIP inference response) or {@code error}.
 */
public final class AsyncJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private AsyncJson() {}

  /** @param result the stored OIP response JSON, or null when there is none (not done, failed, or expired) */
  public static String view(AsyncPrediction p, byte[] result) {
    return body(p, p.state(), result, p.error()).toString();
  }

  static String callback(AsyncPrediction p, AsyncState state, byte[] result, String error) {
    return body(p, state, result, error).toString();
  }

  private static ObjectNode body(AsyncPrediction p, AsyncState state, byte[] result, String error) {
    ObjectNode node = JSON.createObjectNode();
    node.put("id", p.id());
    node.put("state", state.name());
    node.put("model_name", p.model());
    node.put("model_version", Integer.toString(p.version()));
    node.put("created", p.createdAt().toString());
    node.put("updated", p.updatedAt().toString());
    node.put("attempts", p.attempts());
    if (result != null) {
      try {
        node.set("response", JSON.readTree(result));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (error != null) {
      node.put("error", error);
    }
    return node;
  }
}
