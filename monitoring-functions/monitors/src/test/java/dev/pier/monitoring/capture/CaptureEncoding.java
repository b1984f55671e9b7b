package dev.pier.monitoring.capture;

/** Test access to the codec for {@code CaptureWriterRowCost}: encoding timed apart from the PUT it precedes. */
public final class CaptureEncoding {
  private CaptureEncoding() {}

  /** Encodes each hour of the batch as {@link CaptureStore#write(CaptureBatch)} does; returns the bytes made. */
  public static long encode(CaptureBatch batch) {
    long bytes = 0;
    for (CaptureBatch.Hour hour : batch.hours()) {
      bytes += CaptureCodec.encodeUncopied(hour).length();
    }
    return bytes;
  }
}
