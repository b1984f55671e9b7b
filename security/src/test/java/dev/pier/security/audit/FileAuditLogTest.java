package dev.pier.security.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileAuditLogTest {
  @TempDir Path dir;

  private static AuditEvent event(String action, String principal, String model, String subject, Instant at) {
    return new AuditEvent(UUID.randomUUID().toString(), at, principal, action, model, 1, "r-1", subject,
        action.equals("predict") ? "ab" : null, null, Map.of());
  }

  @Test
  void queriesByModelAndByPrincipalNewestFirst() {
    try (FileAuditLog log = new FileAuditLog(dir)) {
      Instant t = Instant.parse("2026-11-26T10:00:00Z");
      log.append(event("version.register", "key:a", "iris", null, t));
      log.append(event("alias.set", "jwt:b", "iris", null, t.plusSeconds(1)));
      log.append(event("alias.set", "key:a", "fraud", null, t.plusSeconds(2)));
      log.append(event("predict", "key:a", "iris", "s1", t.plusSeconds(3)));
      assertThat(log.query(new AuditQuery("iris", null, false, 10))).extracting(AuditEvent::action)
          .containsExactly("alias.set", "version.register");
      assertThat(log.query(new AuditQuery(null, "key:a", true, 10))).extracting(AuditEvent::action)
          .containsExactly("predict", "alias.set", "version.register");
      assertThat(log.query(new AuditQuery(null, null, true, 2))).hasSize(2);
    }
  }

  @Test
  void stateChangesSurviveAReopenAndAreOnlyAppended() throws Exception {
    Instant t = Instant.now();
    try (FileAuditLog log = new FileAuditLog(dir)) {
      log.append(event("key.create", "local", null, null, t));
    }
    String before = Files.readString(dir.resolve("events.jsonl"));
    try (FileAuditLog log = new FileAuditLog(dir)) {
      log.append(event("key.revoke", "local", null, null, t.plusSeconds(1)));
      assertThat(log.query(new AuditQuery(null, null, false, 10))).hasSize(2);
    }
    assertThat(Files.readString(dir.resolve("events.jsonl"))).startsWith(before);
  }

  @Test
  void erasingASubjectRemovesOnlyItsSamples() {
    try (FileAuditLog log = new FileAuditLog(dir)) {
      Instant t = Instant.now();
      log.append(event("predict", "key:a", "iris", "s1", t));
      log.append(event("predict", "key:a", "iris", "s2", t));
      log.append(event("predict", "key:a", "iris", "s1", t.minus(Duration.ofDays(2))));
      log.append(event("alias.set", "key:a", "iris", null, t));
      assertThat(log.eraseSubject("s1")).isEqualTo(2);
      assertThat(log.query(new AuditQuery(null, null, true, 10))).extracting(AuditEvent::subject)
          .containsExactlyInAnyOrder("s2", null);
    }
  }

  @Test
  void expiryDropsSamplesOfEarlierDays() {
    try (FileAuditLog log = new FileAuditLog(dir)) {
      Instant now = Instant.now();
      log.append(event("predict", "key:a", "iris", null, now.minus(Duration.ofDays(40))));
      log.append(event("predict", "key:a", "iris", null, now));
      assertThat(log.expireSamples(now.minus(Duration.ofDays(30)))).isEqualTo(1);
      assertThat(log.query(new AuditQuery(null, null, true, 10))).hasSize(1);
    }
  }

  @Test
  void aShortRetentionDropsOlderSamplesOfTheSameDayAndKeepsStateChanges() {
    try (FileAuditLog log = new FileAuditLog(dir)) {
      Instant now = Instant.now();
      log.append(event("predict", "key:a", "iris", null, now.minusSeconds(2)));
      log.append(event("alias.set", "key:a", "iris", null, now.minusSeconds(2)));
      log.append(event("predict", "key:b", "iris", null, now));
      assertThat(log.expireSamples(now.minusSeconds(1))).isEqualTo(1);
      assertThat(log.query(new AuditQuery(null, null, true, 10))).extracting(AuditEvent::principal)
          .containsExactlyInAnyOrder("key:a", "key:b");
      assertThat(log.query(new AuditQuery(null, null, true, 10))).filteredOn(AuditEvent::sample)
          .extracting(AuditEvent::principal).containsExactly("key:b");
      assertThat(log.expireSamples(now.minusSeconds(1))).as("a second sweep removes nothing").isZero();
    }
  }
}
