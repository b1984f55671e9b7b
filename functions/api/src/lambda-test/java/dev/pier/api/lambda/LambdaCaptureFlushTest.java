package dev.pier.api.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.monitoring.capture.CaptureBuffer;
import dev.pier.monitoring.capture.CapturedPrediction;
import dev.pier.security.privacy.PiiFields;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Lambda freezes the capture buffer's writer between invocations: the handler writes what an event captured before it
 * returns, also when the event failed.
 */
class LambdaCaptureFlushTest {
  private final List<CapturedPrediction> written = new CopyOnWriteArrayList<>();
  // an hour's flush interval: only the handler's flush can write within the test
  private final CaptureBuffer buffer = new CaptureBuffer(100, 10, Duration.ofHours(1), written::addAll);

  private CapturedPrediction row(String requestId) {
    return new CapturedPrediction("m", 1, requestId, 0, Instant.now(), "oip-rest", Map.of("x", 1.0),
        Map.of("y", 0.5), PiiFields.NONE);
  }

  private static ByteArrayInputStream event() {
    return new ByteArrayInputStream("{\"version\": \"2.0\"}".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theRowsAnEventCapturedAreWrittenBeforeTheHandlerReturns() throws Exception {
    PierLambdaHandler handler = new PierLambdaHandler(() -> { }, (in, out, context) -> buffer.offer(row("a")),
        buffer::flush);
    handler.handleRequest(event(), new ByteArrayOutputStream(), null);
    assertThat(written).extracting(CapturedPrediction::requestId).containsExactly("a");
  }

  @Test
  void anEventThatFailsStillHasItsCapturesWritten() {
    PierLambdaHandler handler = new PierLambdaHandler(() -> { }, (in, out, context) -> {
      buffer.offer(row("b"));
      throw new IOException("the response could not be written");
    }, buffer::flush);
    assertThatThrownBy(() -> handler.handleRequest(event(), new ByteArrayOutputStream(), null))
        .isInstanceOf(IOException.class);
    assertThat(written).extracting(CapturedPrediction::requestId).containsExactly("b");
  }
}
