package dev.pier.training.cost;

import dev.pier.kernel.PierException;
import java.util.Map;
import java.util.TreeMap;

/**
 * On-demand USD per instance-hour by instance type, the spot discount, and Step Functions' price per state
 * transition: what a job's cost is computed from. The defaults are SageMaker training's us-east-1 list prices
 * (2026); deployments override them in configuration ({@code pier.training.prices.<type>=<usd per hour>}).
 *
 * @param spotDiscount the fraction of the on-demand price managed spot saves (SageMaker quotes up to 0.9; 0.7 is
 *     typical)
 * @param s3 S3 Standard's request and storage prices
 */
public record PriceTable(Map<String, Double> perHour, String defaultType, double spotDiscount,
    double perTransition, S3Prices s3) {
  /**
   * S3 Standard, us-east-1 (2026), as batch jobs price it: USD per PUT, COPY, POST or LIST request, per GET request, and
   * per GB-month stored (GB of 2^30 bytes, as AWS bills storage).
   */
  public record S3Prices(double perPut, double perGet, double perGbMonth) {
    public static final S3Prices STANDARD_US_EAST_1 = new S3Prices(0.000005, 0.0000004, 0.023);

    /** {@code puts} and {@code gets} requests and {@code bytes} kept one month. */
    public double cost(long puts, long gets, long bytes) {
      return puts * perPut + gets * perGet + gbMonths(bytes) * perGbMonth;
    }

    public static double gbMonths(long bytes) {
      return bytes / (double) (1L << 30);
    }
  }

  public PriceTable(Map<String, Double> perHour, String defaultType, double spotDiscount, double perTransition) {
    this(perHour, defaultType, spotDiscount, perTransition, S3Prices.STANDARD_US_EAST_1);
  }
  public static final Map<String, Double> SAGEMAKER_US_EAST_1 = Map.of(
      "ml.m5.large", 0.115, "ml.m5.xlarge", 0.23, "ml.m5.2xlarge", 0.461, "ml.m5.4xlarge", 0.922,
      "ml.c5.xlarge", 0.204, "ml.c5.2xlarge", 0.408, "ml.g4dn.xlarge", 0.736, "ml.g5.xlarge", 1.408,
      "ml.p3.2xlarge", 3.825);

  public PriceTable {
    perHour = Map.copyOf(new TreeMap<>(perHour));
    if (!perHour.containsKey(defaultType)) {
      throw new IllegalArgumentException("the default instance type " + defaultType + " has no price");
    }
  }

  public static PriceTable defaults() {
    return new PriceTable(SAGEMAKER_US_EAST_1, "ml.m5.large", 0.7, 0.000025);
  }

  /** {@code type}, or the default when null; a 400 listing the priced types for an unknown one. */
  public String check(String type) {
    String t = type == null || type.isBlank() ? defaultType : type;
    if (!perHour.containsKey(t)) {
      throw PierException.badRequest("resources.instance_type '" + type + "' has no price; priced types: "
          + String.join(", ", perHour.keySet()));
    }
    return t;
  }

  /** What {@code seconds} on {@code count} instances of {@code type} cost, spot or on demand. */
  public double compute(String type, int count, boolean spot, double seconds) {
    double onDemand = perHour.get(check(type)) * count * seconds / 3600.0;
    return spot ? onDemand * (1 - spotDiscount) : onDemand;
  }
}
