package dev.pier.security.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.security.privacy.PiiFields;
import dev.pier.security.privacy.PiiMasker;
import dev.pier.security.privacy.SubjectHash;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The one place that decides whether a prediction is sampled into the audit trail and what its entry holds, for
 * every front end (REST and gRPC): principal, model, version, request id, the SHA-256 of the input, the data
 * subject as a keyed hash, and — only with raw-input capture on — the input with its PII-marked fields replaced
 * whole and detected personal data masked in the rest. Thread-safe.
 */
public final class PredictionSampler {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Consumer<AuditEvent> sink;
  private final double rate;
  private final boolean includeInput;
  private final SubjectHash subjects;

  /**
   * @param sink where a sampled entry goes (the audit trail)
   * @param rate share of predictions sampled, 0 to 1
   * @param includeInput whether the (masked) input itself is kept
   */
  public PredictionSampler(Consumer<AuditEvent> sink, double rate, boolean includeInput, SubjectHash subjects) {
    if (!(rate >= 0 && rate <= 1)) {
      throw new IllegalArgumentException("the prediction sample rate must be between 0 and 1, got " + rate);
    }
    this.sink = sink;
    this.rate = rate;
    this.includeInput = includeInput;
    this.subjects = subjects;
  }

  /**
   * One answered prediction.
   *
   * @param principal who asked ({@code system} when nobody did)
   * @param subject the data subject's id (or the canary unit), hashed before it is kept; may be null
   * @param input the bytes the caller sent, hashed
   * @param inputJson the input as an OIP JSON body, read only when raw-input capture is on and the sample is taken
   */
  public record Prediction(String principal, String requestId, String subject, String model, int version,
      byte[] input, Supplier<byte[]> inputJson, PiiFields pii) {}

  /** Records {@code p} with probability {@code rate}; returns whether it was recorded. */
  public boolean offer(Prediction p) {
    if (!draw()) {
      return false;
    }
    record(p);
    return true;
  }

  /**
   * The sampling decision alone (true with probability {@code rate}), so a hot path can skip gathering a
   * prediction's details when it is not sampled; follow a true with {@link #record}.
   */
  public boolean draw() {
    return rate > 0 && (rate >= 1 || ThreadLocalRandom.current().nextDouble() < rate);
  }

  /** Writes {@code p}'s entry, whatever the rate: the caller has drawn already. */
  public void record(Prediction p) {
    byte[] bytes = p.input() == null ? new byte[0] : p.input();
    sink.accept(new AuditEvent(UUID.randomUUID().toString(), Instant.now(), p.principal(), AuditEvent.PREDICT,
        p.model(), p.version(), p.requestId(), p.subject() == null ? null : subjects.of(p.subject()), sha256(bytes),
        includeInput ? maskedInput(p.inputJson() == null ? bytes : p.inputJson().get(), p.pii()) : null,
        Map.of()));
  }

  /**
   * The input as it may be kept: marked fields replaced whole, then detection over the rest. An input that is not
   * JSON (the binary extension) is withheld when the version marks fields, since they cannot be located in it.
   */
  static String maskedInput(byte[] json, PiiFields pii) {
    if (json == null) {
      return null;
    }
    String text = new String(json, StandardCharsets.UTF_8);
    if (pii == null || pii.isEmpty()) {
      return PiiMasker.mask(text);
    }
    try {
      JsonNode tree = JSON.readTree(json);
      if (tree == null || !tree.isObject()) {
        return "[WITHHELD]";
      }
      return PiiMasker.mask(pii.redact(tree).toString());
    } catch (IOException e) {
      return "[WITHHELD]";
    }
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
