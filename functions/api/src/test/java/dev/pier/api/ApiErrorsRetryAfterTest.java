package dev.pier.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.kernel.PierException;
import org.junit.jupiter.api.Test;

/** How long a 429/503 tells the caller to wait: the failure's own figure when it has one, else one second. */
class ApiErrorsRetryAfterTest {

  @Test
  void aFailureThatKnowsWhenToRetrySaysSoAndOthersSayOneSecond() {
    ApiErrors.Failure scaling = ApiErrors.Failure.of("/v2/models/m/infer",
        new PierException(503, "the model is scaled to zero and is scaling out", 60));
    assertThat(scaling.status()).isEqualTo(503);
    assertThat(scaling.header()).isEqualTo("Retry-After");
    assertThat(scaling.headerValue()).isEqualTo("60");

    ApiErrors.Failure busy = ApiErrors.Failure.of("/v2/models/m/infer", new PierException(429, "queue full"));
    assertThat(busy.headerValue()).isEqualTo("1");
    assertThat(ApiErrors.Failure.of("/x", new PierException(400, "bad")).header()).isNull();
  }
}
