package dev.pier.security.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.security.privacy.PiiFields;
import dev.pier.security.privacy.SubjectHash;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PredictionSamplerTest {
  private static final SubjectHash SUBJECTS = new SubjectHash(new byte[32]);
  private static final byte[] BODY = ("{\"id\":\"ann@example.com\",\"inputs\":[{\"name\":\"name\",\"data\":[\"Ann Lee\"]},"
      + "{\"name\":\"x\",\"data\":[1]}]}").getBytes(StandardCharsets.UTF_8);
  private final List<AuditEvent> written = new ArrayList<>();

  private PredictionSampler.Prediction prediction(byte[] input) {
    return new PredictionSampler.Prediction("key:a", "req-1", "user-7", "m", 3, input, () -> input,
        PiiFields.of(List.of("name")));
  }

  @Test
  void aSampleCarriesPrincipalModelVersionRequestIdSubjectHashAndInputHash() {
    assertThat(new PredictionSampler(written::add, 1, false, SUBJECTS).offer(prediction(BODY))).isTrue();
    AuditEvent e = written.getFirst();
    assertThat(e.action()).isEqualTo(AuditEvent.PREDICT);
    assertThat(e.principal()).isEqualTo("key:a");
    assertThat(e.model()).isEqualTo("m");
    assertThat(e.version()).isEqualTo(3);
    assertThat(e.requestId()).isEqualTo("req-1");
    assertThat(e.subject()).isEqualTo(SUBJECTS.of("user-7"));
    assertThat(e.inputSha256()).isEqualTo(PredictionSampler.sha256(BODY));
    assertThat(e.input()).as("raw input only with capture on").isNull();
  }

  @Test
  void withCaptureOnMarkedFieldsAreReplacedWholeAndDetectedPiiMasked() {
    new PredictionSampler(written::add, 1, true, SUBJECTS).offer(prediction(BODY));
    assertThat(written.getFirst().input()).contains("\"data\":\"[PII]\"").contains("[EMAIL]").contains("\"data\":[1]")
        .doesNotContain("Ann Lee").doesNotContain("ann@example.com");
  }

  @Test
  void anInputThatIsNotJsonIsWithheldWhenTheVersionMarksFields() {
    new PredictionSampler(written::add, 1, true, SUBJECTS).offer(prediction("\u0001binary Ann Lee".getBytes()));
    assertThat(written.getFirst().input()).isEqualTo("[WITHHELD]");
  }

  @Test
  void rateZeroSamplesNothingAndAnOutOfRangeRateIsRefused() {
    assertThat(new PredictionSampler(written::add, 0, true, SUBJECTS).offer(prediction(BODY))).isFalse();
    assertThat(written).isEmpty();
    assertThatThrownBy(() -> new PredictionSampler(written::add, 1.5, true, SUBJECTS))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
