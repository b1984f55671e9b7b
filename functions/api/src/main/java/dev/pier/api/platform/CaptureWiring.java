package dev.pier.api.platform;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.local.LocalStandIns;

import dev.pier.monitoring.capture.CaptureBuffer;
import dev.pier.monitoring.capture.CaptureListener;
import dev.pier.monitoring.capture.CaptureStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The prediction capture sink ({@link dev.pier.monitoring.capture.CaptureSink}, module monitoring-functions/capture) for the pipeline's CAPTURE stage: a bounded
 * buffer ({@code pier.capture.buffer-rows}, default 20,000 rows: it holds what arrives while the writer writes a
 * batch, and a 20,000-row batch keeps it busy longer — at 10,000, 1.3 % of the rows were dropped on a loaded machine,
 * none at 20,000; monitoring BENCH.md) drained by one background thread in batches of
 * {@code pier.capture.batch-rows} (default 20,000: most of a PUT's CPU, the SDK's and the S3 stand-in's, is per
 * request, not per byte — 5,000-row batches cost about twice the CPU per row, monitoring BENCH.md) at least every {@code pier.capture.flush-interval} (default 5 s) into
 * binary capture batches ({@code .cap}) under {@code s3://<pier.capture.bucket>/captures/<model>/<version>/<yyyy>/<mm>/<dd>/<hh>/} (default
 * bucket {@code pier-captures}; local mode creates it). Rows a full buffer drops are counted as
 * {@code pier.capture.dropped} ({@code pier_capture_dropped_total} in Prometheus; rows taken {@code
 * pier.capture.accepted}, stored {@code pier.capture.written}: offered = accepted + dropped). Each stored batch is handed to the
 * {@link CaptureListener} beans there are (the plain server's monitoring profiles it), which are flushed whenever the
 * buffer has caught up (see {@link CaptureBuffer}). The writer thread runs
 * {@code pier.capture.writer-nice} nice levels below the HTTP I/O threads (Linux; see {@link ThreadNice}): by default 0,
 * their priority, so at rate 1.0 it takes the CPU that writing every row costs (one thread: at most a core, about 0.9
 * µs a row, and in local mode the S3 stand-in's side of each PUT, about 0.35) and keeps every row, dropping (counted) only when it cannot keep up even so; at 10 it competes like a
 * prediction worker ({@code pier.limits.worker-nice}), at 19 a CPU-bound server samples instead (drops most rows
 * rather than give capture CPU: monitoring BENCH.md, <i>Writer's priority</i>). Wiring only.
 */
@Singleton
public class CaptureWiring {
  /** A field, not a producer parameter: Quarkus' check of unknown {@code pier.*} properties sees fields. */
  @ConfigProperty(name = "pier.capture.writer-nice", defaultValue = "0") int writerNice;

  @Produces
  @Singleton
  CaptureBuffer captureBuffer(AwsClients aws, Optional<LocalStandIns> standIns, MeterRegistry meters, Instance<CaptureListener> listeners,
      @ConfigProperty(name = "pier.capture.bucket", defaultValue = "pier-captures") String bucket,
      @ConfigProperty(name = "pier.capture.buffer-rows", defaultValue = "20000") int capacity,
      @ConfigProperty(name = "pier.capture.batch-rows", defaultValue = "20000") int batchRows,
      @ConfigProperty(name = "pier.capture.flush-interval", defaultValue = "5s") Duration flushInterval) {
    if (writerNice < 0 || writerNice > 19) {
      throw new IllegalArgumentException("pier.capture.writer-nice must be between 0 and 19, not " + writerNice);
    }
    ThreadNice nice = ThreadNice.of(writerNice);
    if (standIns.isPresent()) {
      try {
        aws.s3().createBucket(b -> b.bucket(bucket));
      } catch (BucketAlreadyOwnedByYouException e) {
        // there from an earlier start
      } catch (S3Exception e) {
        if (e.statusCode() != 409) {
          throw e;
        }
      }
    }
    CaptureStore store = new CaptureStore(aws.s3(), bucket);
    List<CaptureListener> told = listeners.stream().toList();
    CaptureBuffer buffer = CaptureBuffer.ofBatches(capacity, batchRows, flushInterval, batch -> {
      store.write(batch);
      for (CaptureListener listener : told) {
        try {
          listener.written(batch);
        } catch (RuntimeException e) {
          Log.warnf(e, "a capture listener (%s) failed on %d stored rows", listener.getClass().getName(), batch.rows());
        }
      }
    }, nice::lowerCurrentThread, () -> {
      for (CaptureListener listener : told) {
        try {
          listener.flush();
        } catch (RuntimeException e) {
          Log.warnf(e, "a capture listener (%s) failed to write what it held back", listener.getClass().getName());
        }
      }
    });
    FunctionCounter.builder("pier.capture.dropped", buffer, CaptureBuffer::dropped)
        .description("captured prediction rows dropped because the capture buffer was full").register(meters);
    FunctionCounter.builder("pier.capture.failed", buffer, CaptureBuffer::failedRows)
        .description("captured prediction rows lost because their batch could not be written").register(meters);
    FunctionCounter.builder("pier.capture.accepted", buffer, CaptureBuffer::accepted)
        .description("captured prediction rows taken into the capture buffer (offered = accepted + dropped)")
        .register(meters);
    FunctionCounter.builder("pier.capture.written", buffer, CaptureBuffer::written)
        .description("captured prediction rows stored").register(meters);
    return buffer;
  }

  /** Writes what is queued at shutdown. */
  void close(@Disposes CaptureBuffer buffer) {
    buffer.close();
  }
}
