package dev.pier.training.sagemaker;

import dev.pier.training.TrainingTable;
import java.nio.charset.StandardCharsets;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Writes a training job's input channels to S3 in SageMaker XGBoost's CSV (the label first, then the features, no
 * header; {@code text/csv}; a script's with a header line, as it reads them locally) under {@code training/<job>/channels/<set>/<channel>/}: one set per CV fold
 * ({@code fold-1}… with {@code train} and {@code validation}) and one for the refit ({@code refit}). A channel is split
 * into one object per instance, so a job over several instances shards it by S3 key. The same rows give the same
 * bytes (floats written so they read back exactly), so a resumed job rewrites the same objects.
 */
public final class SageMakerChannels {
  private final S3Client s3;
  private final String bucket;

  public SageMakerChannels(S3Client s3, String bucket) {
    this.s3 = s3;
    this.bucket = bucket;
  }

  /** {@code training/<job>/channels/<set>/<channel>/}. */
  public static String prefix(String job, String set, String channel) {
    return "training/" + job + "/channels/" + set + "/" + channel + "/";
  }

  /** What writing channels cost in S3: PUT requests and bytes stored. */
  public record Written(long puts, long bytes) {
    public Written plus(Written other) {
      return new Written(puts + other.puts, bytes + other.bytes);
    }
  }

  /**
   * Writes {@code rows} of {@code table} as the channel, in {@code shards} objects of (nearly) equal row counts, each
   * with a header line when {@code header} (a script's channels: the same files it reads when it trains locally).
   */
  public Written write(String job, String set, String channel, TrainingTable table, int[] rows, int shards,
      boolean header) {
    int parts = Math.max(1, Math.min(shards, rows.length));
    String prefix = prefix(job, set, channel);
    long bytes = 0;
    for (int p = 0; p < parts; p++) {
      int from = (int) ((long) rows.length * p / parts);
      int to = (int) ((long) rows.length * (p + 1) / parts);
      byte[] csv = csv(table, rows, from, to, header);
      String key = prefix + String.format("part-%05d.csv", p);
      s3.putObject(b -> b.bucket(bucket).key(key).contentType("text/csv"), RequestBody.fromBytes(csv));
      bytes += csv.length;
    }
    return new Written(parts, bytes);
  }

  /**
   * Rows {@code rows[from..to)} as CSV: label, then each feature; {@code Float.toString} reads back to the same float.
   * With {@code header}, a first line naming the columns (quoted as CSV quotes a name holding a comma or a quote).
   */
  public static byte[] csv(TrainingTable table, int[] rows, int from, int to, boolean header) {
    float[] labels = table.labels();
    int features = table.featureCount();
    float[][] columns = new float[features][];
    for (int f = 0; f < features; f++) {
      columns[f] = table.column(f);
    }
    StringBuilder out = new StringBuilder((to - from) * (features + 1) * 10);
    if (header) {
      out.append(csvName(table.label()));
      for (String f : table.features()) {
        out.append(',').append(csvName(f));
      }
      out.append('\n');
    }
    for (int i = from; i < to; i++) {
      int r = rows[i];
      out.append(number(labels[r]));
      for (int f = 0; f < features; f++) {
        out.append(',');
        float v = columns[f][r];
        if (!Float.isNaN(v)) { // a missing value is an empty field
          out.append(number(v));
        }
      }
      out.append('\n');
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String csvName(String s) {
    return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }

  private static String number(float v) {
    return v == Math.rint(v) && Math.abs(v) < 1e7 ? Integer.toString((int) v) : Float.toString(v);
  }
}
