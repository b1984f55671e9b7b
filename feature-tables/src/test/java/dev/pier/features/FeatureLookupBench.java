package dev.pier.features;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;

/**
 * {@code ./pier bench features}: online lookup latency against the DynamoDB stand-in (in process, through the real
 * SDK over HTTP, as the api's FEATURES stage reads it): one view of 200 FLOAT64 features for 1,000 drivers, then
 * sequential lookups of 1 entity × 50 features and 50 entities × 200 features, p50/p95/p99 and DynamoDB calls per
 * lookup (counted by an SDK interceptor). Requests per scenario: {@code args[0]} (default 2,000, after 200 warm-up).
 * The stand-in is not DynamoDB: figures say what Pier's own path costs, not what AWS answers in.
 */
public final class FeatureLookupBench {
  private FeatureLookupBench() {}

  public static void main(String[] args) throws Exception {
    int requests = args.length > 0 ? Integer.parseInt(args[0]) : 2_000;
    Path dataDir = Files.createTempDirectory("pier-bench-features");
    AtomicLong batchGets = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try (StandIns standIns = new StandIns(dataDir);
        DynamoDbClient dynamo = DynamoDbClient.builder().httpClient(UrlConnectionHttpClient.create())
            .region(Region.US_EAST_1).endpointOverride(URI.create(standIns.aws.dynamoDbEndpoint().toString()))
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                standIns.aws.accessKeyId(), standIns.aws.secretAccessKey())))
            .overrideConfiguration(c -> c.addExecutionInterceptor(new ExecutionInterceptor() {
              @Override
              public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof BatchGetItemRequest) {
                  batchGets.incrementAndGet();
                }
              }
            })).build()) {
      FeatureRegistry.createTableIfMissing(dynamo, "bench-features");
      OnlineStore.createTableIfMissing(dynamo, "bench-online");
      FeatureRegistry registry = new FeatureRegistry(dynamo, "bench-features", Duration.ofMinutes(5),
          Clock.systemUTC());
      StringBuilder schema = new StringBuilder();
      for (int f = 0; f < 200; f++) {
        schema.append(f == 0 ? "" : ", ").append("{name: f").append(f).append(", dtype: FLOAT64}");
      }
      registry.apply(DefinitionsParser.parse("""
          entities: [{name: driver, join_keys: [driver_id], value_type: INT64}]
          sources: [{name: offline, kind: parquet, path: "s3://bench/none.parquet"},
                    {name: stats, kind: push, batch_source: offline}]
          feature_views: [{name: wide, entities: [driver], ttl: 0, source: stats, schema: [%s]}]
          """.formatted(schema)), false, null);
      OnlineStore store = new OnlineStore(dynamo, "bench-online", pool);
      FeatureView view = registry.catalog().view("wide");
      List<OnlineStore.Row> rows = new ArrayList<>();
      for (long d = 0; d < 1_000; d++) {
        Map<String, Object> values = new HashMap<>();
        for (int f = 0; f < 200; f++) {
          values.put("f" + f, d + f / 1000.0);
        }
        rows.add(new OnlineStore.Row(List.of(d), Instant.now(), values));
      }
      store.write(view, rows);
      OnlineFeatures online = new OnlineFeatures(registry, store, Clock.systemUTC());
      System.out.println("# uptime: " + new String(new ProcessBuilder("uptime").start().getInputStream()
          .readAllBytes()).strip());
      run("1 entity x 50 features", online, 1, 50, requests, batchGets);
      run("50 entities x 200 features", online, 50, 200, requests, batchGets);
    } finally {
      pool.shutdownNow();
    }
  }

  private static void run(String name, OnlineFeatures online, int entities, int features, int requests,
      AtomicLong batchGets) {
    List<String> refs = new ArrayList<>();
    for (int f = 0; f < features; f++) {
      refs.add("wide:f" + f);
    }
    java.util.Random random = new java.util.Random(14);
    long[] nanos = new long[requests];
    long calls = 0;
    for (int i = -200; i < requests; i++) {
      var ids = DefinitionsParser.JSON.createArrayNode();
      for (int e = 0; e < entities; e++) {
        ids.add(random.nextInt(1_000));
      }
      long before = batchGets.get();
      long t0 = System.nanoTime();
      OnlineResult r = online.read(refs, null, Map.of("driver_id", ids), false);
      long t = System.nanoTime() - t0;
      if (r.columns().size() != features + 1) {
        throw new IllegalStateException("expected " + (features + 1) + " columns");
      }
      if (i >= 0) {
        nanos[i] = t;
        calls += batchGets.get() - before;
      }
    }
    Arrays.sort(nanos);
    System.out.printf("%s: requests=%d p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f max_ms=%.2f dynamodb_calls_per_request=%.2f%n",
        name, requests, ms(nanos, 0.50), ms(nanos, 0.95), ms(nanos, 0.99), nanos[requests - 1] / 1e6,
        (double) calls / requests);
  }

  private static double ms(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
  }
}
