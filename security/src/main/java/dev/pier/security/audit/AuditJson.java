package dev.pier.security.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** Audit entries as one JSON object per line. */
public final class AuditJson {
  private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  private AuditJson() {}

  public static String write(AuditEvent event) {
    try {
      return JSON.writeValueAsString(event);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static AuditEvent read(String line) {
    try {
      return JSON.readValue(line, AuditEvent.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("unreadable audit entry: " + e.getOriginalMessage(), e);
    }
  }
}
