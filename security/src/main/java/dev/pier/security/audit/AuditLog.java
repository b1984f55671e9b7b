package dev.pier.security.audit;

import java.time.Instant;
import java.util.List;

/**
 * The append-only audit trail. State changes are never rewritten or removed (in AWS they go to S3 under Object
 * Lock); prediction samples are kept apart so they can expire and be erased for a data subject.
 * Implementations are thread-safe.
 */
public interface AuditLog extends AutoCloseable {

  void append(AuditEvent event);

  List<AuditEvent> query(AuditQuery query);

  /** Removes the prediction samples of a data subject (by its keyed hash); returns how many. */
  int eraseSubject(String subjectHash);

  /** Removes prediction samples recorded before {@code cutoff}; returns how many. */
  int expireSamples(Instant cutoff);

  @Override
  default void close() {}
}
