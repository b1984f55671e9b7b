package dev.pier.runtime;

import java.nio.file.Path;
import java.util.Map;

/**
 * How an engine should run in this process.
 *
 * @param intraOpThreads threads one inference may use (ONNX Runtime and TorchScript intra-op, XGBoost's OpenMP
 *     threads, TensorFlow intra-op); 1 suits small machines serving many concurrent requests, where parallelism
 *     comes from requests rather than from splitting one
 * @param interOpThreads threads that run independent operators of one graph in parallel
 * @param workDir a directory the engine may keep files in (DJL's native-library cache); null when it needs none
 * @param options engine-specific settings by key, e.g. {@code graph-optimizer} for TorchScript,
 *     {@code max-unpacked-bytes} for engines that unpack archived models
 */
public record EngineSettings(int intraOpThreads, int interOpThreads, Path workDir, Map<String, String> options) {

  public EngineSettings {
    if (intraOpThreads < 1 || interOpThreads < 1) {
      throw new IllegalArgumentException("thread counts must be at least 1, got intra-op " + intraOpThreads
          + " and inter-op " + interOpThreads);
    }
    options = options == null ? Map.of() : Map.copyOf(options);
  }

  /** One thread each, no work directory, no options: what the tests and small machines use. */
  public static EngineSettings singleThreaded() {
    return new EngineSettings(1, 1, null, Map.of());
  }

  public String option(String key, String fallback) {
    return options.getOrDefault(key, fallback);
  }

  /** Option {@code max-unpacked-bytes}: what an archived model may unpack to ({@link ModelArchive}). */
  public long maxUnpackedBytes(long fallback) {
    String v = options.get("max-unpacked-bytes");
    return v == null ? fallback : Long.parseLong(v);
  }
}
