package dev.pier.training.sagemaker;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.training.jobs.TrainingJobSpec;
import dev.pier.training.script.ScriptSpec;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the input of sagemaker-training.asl.json for one SageMaker training job of a Pier training job: its name, the
 * image (SageMaker's XGBoost, or a script's container), hyperparameters as strings, the channels (S3 prefixes that
 * {@link SageMakerChannels} wrote; the training channel sharded by S3 key over several instances), metric definitions
 * (a script's; the XGBoost image reports its own {@code <channel>:<metric>}), instance type and count, spot, and the
 * stopping condition: {@code MaxRuntimeInSeconds} the job's max_runtime (or the default) and, on spot,
 * {@code MaxWaitTimeInSeconds} twice that, so an interrupted job can wait for capacity and resume from its checkpoint;
 * with a max_runtime, both at most what is left of it.
 */
public final class SageMakerRequests {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  /** SageMaker's longest MaxWaitTimeInSeconds (28 days). */
  static final long MAX_WAIT_LIMIT = 28L * 24 * 3600;

  private final String bucket;
  private final SageMakerSettings settings;

  public SageMakerRequests(String bucket, SageMakerSettings settings) {
    this.bucket = bucket;
    this.settings = settings;
  }

  /**
   * SageMaker's name for a training job of Pier job {@code job}: {@code <job>-<part>}, at most 63 letters, digits and
   * hyphens.
   */
  public static String name(String job, String part) {
    String name = (job + "-" + part).replaceAll("[^A-Za-z0-9-]", "-");
    if (name.length() > 63) {
      throw new IllegalArgumentException("SageMaker training job name too long: " + name);
    }
    return name;
  }

  /**
   * One training: {@code channels} maps a channel name to its set (the prefix {@code training/<job>/channels/<set>/
   * <channel>/}); the first channel is the training one.
   */
  public ObjectNode training(String jobId, TrainingJobSpec spec, String name, Map<String, Object> params,
      Map<String, String> channels) {
    return training(jobId, spec, name, params, channels, null);
  }

  /**
   * {@link #training(String, TrainingJobSpec, String, Map, Map)} for a job with {@code secondsLeft} of its max_runtime
   * (null: no deadline): neither the training job's runtime nor, on spot, its wait for capacity runs past it (at least
   * 1 s, SageMaker's least; such a job is stopped at once and the next step finds the limit passed).
   */
  public ObjectNode training(String jobId, TrainingJobSpec spec, String name, Map<String, Object> params,
      Map<String, String> channels, Long secondsLeft) {
    var r = spec.resources();
    ObjectNode in = NODES.objectNode();
    in.put("job_id", jobId);
    in.put("name", name);
    in.put("image", image(spec));
    ObjectNode hyper = in.putObject("hyperparameters");
    new TreeMap<>(params).forEach((k, v) -> hyper.put(k, text(v)));
    ArrayNode list = in.putArray("channels");
    boolean first = true;
    for (var c : channels.entrySet()) {
      ObjectNode ch = list.addObject().put("ChannelName", c.getKey()).put("ContentType", "text/csv")
          .put("CompressionType", "None");
      ch.putObject("DataSource").putObject("S3DataSource").put("S3DataType", "S3Prefix")
          .put("S3Uri", "s3://" + bucket + "/" + SageMakerChannels.prefix(jobId, c.getValue(), c.getKey()))
          .put("S3DataDistributionType", first && r.instanceCount() > 1 ? "ShardedByS3Key" : "FullyReplicated");
      first = false;
    }
    ArrayNode metrics = in.putArray("metric_definitions");
    if (spec.scriptMode()) {
      for (ScriptSpec.MetricDefinition d : spec.script().metricDefinitions()) {
        metrics.addObject().put("Name", d.name()).put("Regex", d.regex());
      }
    }
    in.put("instance_type", r.instanceType());
    in.put("instance_count", Math.max(1, r.instanceCount()));
    in.put("spot", r.spot());
    long runtime = r.maxRuntimeSeconds() > 0 ? r.maxRuntimeSeconds() : settings.defaultMaxRuntimeSeconds();
    long wait = Math.min(MAX_WAIT_LIMIT, 2 * runtime);
    if (secondsLeft != null) {
      runtime = Math.max(1, Math.min(runtime, secondsLeft));
      wait = Math.min(wait, secondsLeft);
    }
    in.put("max_runtime", runtime);
    in.put("max_wait", Math.max(runtime, wait));
    return in;
  }

  /** The job's training image: SageMaker's XGBoost, or the script's container (required in AWS). */
  public String image(TrainingJobSpec spec) {
    if (!spec.scriptMode()) {
      return settings.xgboostImage();
    }
    if (spec.script().image() == null) {
      throw new IllegalArgumentException("script.image is required to train on SageMaker (script.command runs only"
          + " on the plain server)");
    }
    return spec.script().image();
  }

  /** The name under which SageMaker reports {@code metric} on {@code channel}: the XGBoost image's, or a script's. */
  public static String metricName(TrainingJobSpec spec, String channel, String metric) {
    return spec.scriptMode() ? metric : channel + ":" + metric;
  }

  private static String text(Object v) {
    if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString(d.longValue());
    }
    return String.valueOf(v);
  }
}
