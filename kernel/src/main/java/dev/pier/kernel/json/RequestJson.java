package dev.pier.kernel.json;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.pier.kernel.PierException;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one set of rules for JSON that callers send, shared by every parser of a request body (OIP inference, the
 * control plane, MLflow, {@code predict-stream} and batch JSONL rows, and Quarkus' own mapper for JAX-RS entities):
 * at most {@link #MAX_DEPTH} levels of nesting, no key twice in one object, nothing after the value, no NaN literals.
 * Breaking a rule is a 400 whose message names it ({@link #describe}); no parser falls back to last-key-wins.
 *
 * <p>The limits are Jackson's {@link StreamReadConstraints}, checked by the tokenizer as it reads, so a hostile
 * document is refused before a tree is built for it. Size is bounded earlier, by the HTTP layer, before a byte is parsed.
 */
public final class RequestJson {
  /**
   * Deepest nesting of arrays and objects. A rank-8 tensor inside an OIP request is 11 levels; model cards, pipelines
   * and tags are far shallower. Jackson's own default (1,000) lets a 5,000-level body through the HTTP limit only to
   * overflow the recursive tree walk that follows.
   */
  public static final int MAX_DEPTH = 64;

  private static final StreamReadConstraints CONSTRAINTS =
      StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build();
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(CONSTRAINTS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();
  private static final ObjectMapper MAPPER = configure(JsonMapper.builder(FACTORY).build());
  /**
   * Trees find a key given twice as they store it ({@code ObjectNode}'s put answers the value it replaced), so the
   * tokenizer's own duplicate detection, a set of names per object with more than two keys, is left off here: on
   * the inference path that set was the largest allocation per request after the body itself.
   */
  private static final ObjectMapper TREES = JsonMapper.builder(JsonFactory.builder()
          .streamReadConstraints(CONSTRAINTS).build())
      .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();
  private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '([^']*)'");

  private RequestJson() {}

  /** The streaming factory for parsers that read token by token (JSONL rows). */
  public static JsonFactory factory() {
    return FACTORY;
  }

  /** The mapper for trees and records read from request bodies. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** Applies the rules to a mapper built elsewhere (Quarkus' mapper for JAX-RS entities); returns it. */
  public static ObjectMapper configure(ObjectMapper mapper) {
    mapper.getFactory().setStreamReadConstraints(CONSTRAINTS);
    mapper.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION.mappedFeature());
    mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    return mapper;
  }

  /** Parses a body as one JSON value; an empty body or one that breaks a rule is a 400 naming the problem. */
  public static JsonNode readTree(byte[] body) {
    if (body == null || body.length == 0) {
      throw PierException.badRequest("request body is empty; expected a JSON object");
    }
    return readTree(body, 0, body.length);
  }

  /**
   * Parses a body that must be one JSON object (a control-plane request's), with {@link #mapper()}: an empty body or
   * another value is a 400 "the body must be a JSON object", one that breaks a rule a 400 naming the problem.
   */
  public static JsonNode readObject(byte[] body) {
    try {
      JsonNode n = body == null || body.length == 0 ? null : MAPPER.readTree(body);
      if (n == null || !n.isObject()) {
        throw PierException.badRequest("the body must be a JSON object");
      }
      return n;
    } catch (IOException e) {
      throw malformed(e);
    }
  }

  /** Parses {@code length} bytes from {@code offset} as one JSON value; 400 naming the problem. */
  public static JsonNode readTree(byte[] body, int offset, int length) {
    try {
      return TREES.readTree(body, offset, length);
    } catch (IOException e) {
      throw malformed(e);
    }
  }

  /** The 400 for a body a mapper from {@link #mapper()} could not read. */
  public static PierException malformed(IOException e) {
    return PierException.badRequest("malformed JSON: "
        + (e instanceof JacksonException j ? describe(j) : e.getMessage()));
  }

  /**
   * What was wrong with a document, in words a caller can act on: the nesting bound or the duplicate key by name,
   * else Jackson's own description, with the line and column where the document has them.
   */
  public static String describe(JacksonException e) {
    String message = e.getOriginalMessage();
    if (e instanceof StreamConstraintsException && message.contains("nesting depth")) {
      return "nested deeper than " + MAX_DEPTH + " levels of arrays and objects";
    }
    Matcher duplicate = DUPLICATE.matcher(message);
    if ((e instanceof JsonParseException || e instanceof MismatchedInputException) && duplicate.find()) {
      message = "duplicate key '" + duplicate.group(1) + "'";
    }
    JsonLocation at = e.getLocation(); // absent for some failures, such as a broken constraint
    if (at == null || at.getLineNr() < 0) {
      return message;
    }
    return message + " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
  }
}
