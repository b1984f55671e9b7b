package dev.pier.registry;

import dev.pier.kernel.engine.Framework;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.local.LocalAws;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Registry search at scale: 100,000 versions (1,000 models x 100) in the DynamoDB stand-in, each with a {@code team}
 * tag (20 teams), metrics {@code auc} (uniform 0-1) and {@code loss}, then timed searches through
 * {@link ModelRegistry#search}. Versions are seeded straight into the table (version item plus the same index items
 * a registration writes), since 100,000 registrations would time the seeding, not the search.
 *
 * <p>Run: {@code ./pier bench search} (or {@code java -cp tests/benchmarks/target/pier-benchmarks.jar
 * dev.pier.registry.RegistrySearchBench [versions]}).
 */
public final class RegistrySearchBench {
  public static void main(String[] args) throws Exception {
    int versions = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    Path dir = Files.createTempDirectory("pier-search-bench");
    try (LocalAws aws = LocalAws.start(dir);
        AwsClients clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
            aws.accessKeyId(), aws.secretAccessKey()))) {
      DynamoDbClient dynamo = clients.dynamoDb();
      RegistryTable.createIfMissing(dynamo, "registry");
      ModelRegistry registry = new ModelRegistry(dynamo, "registry", new ArtifactStore(clients.s3(), "artifacts"));
      long t0 = System.nanoTime();
      seed(dynamo, versions);
      System.out.printf("seeded %,d versions in %.1f s%n", versions, (System.nanoTime() - t0) / 1e9);

      query(registry, "tags.team = 'team-7' AND metrics.auc > 0.9", List.of("metrics.auc DESC"), 100);
      query(registry, "tags.team = 'team-7' AND metrics.auc > 0.9", List.of(), 100);
      query(registry, "tags.team = 'team-7' AND metrics.auc > 0.9", List.of("metrics.auc DESC"), 1000);
      query(registry, "metrics.auc > 0.999", List.of("metrics.auc DESC"), 100);
      query(registry, "name LIKE 'model-001%' AND metrics.loss < 0.5", List.of(), 100);
      query(registry, "name = 'model-00042'", List.of("version_number DESC"), 100);
    }
  }

  private static void query(ModelRegistry registry, String filter, List<String> orderBy, int limit) {
    SearchFilter f = SearchFilter.parse(filter);
    var plan = registry.searchIndex().explain(f, orderBy);
    int n = 0;
    for (int i = 0; i < 5; i++) { // warm-up
      n = registry.search(f, orderBy, null, limit).items().size();
    }
    int runs = 20;
    long[] times = new long[runs];
    for (int i = 0; i < runs; i++) {
      long t = System.nanoTime();
      registry.search(f, orderBy, null, limit);
      times[i] = System.nanoTime() - t;
    }
    Arrays.sort(times);
    System.out.printf("%-55s order=%-22s limit=%-5d hits=%-5d median %6.1f ms  p95 %6.1f ms  [%s%s]%n", filter,
        orderBy, limit, n, times[runs / 2] / 1e6, times[(int) (runs * 0.95)] / 1e6, plan.partition(),
        plan.streams() ? ", streams" : ", reads all matches");
  }

  private static void seed(DynamoDbClient dynamo, int versions) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> done = new ArrayList<>();
    int perModel = 100;
    for (int m = 0; m * perModel < versions; m++) {
      int model = m;
      done.add(pool.submit(() -> {
        Random random = new Random(model);
        List<WriteRequest> batch = new ArrayList<>();
        for (int v = 1; v <= perModel && model * perModel + v <= versions; v++) {
          Instant now = Instant.now();
          ModelVersion version = ModelVersion.of(String.format("model-%05d", model), v,
              ModelVersion.Artifact.stored(Framework.ONNX, null, "0".repeat(64), 1000,
                  "artifacts/sha256/" + "0".repeat(64)),
              new ModelVersion.Metadata(null, Map.of("team", "team-" + random.nextInt(20)),
                  Map.of("auc", random.nextDouble(), "loss", random.nextDouble())), null, now);
          batch.add(put(RegistryItems.versionItem(version)));
          SearchIndex.items(version).values().forEach(i -> batch.add(put(i)));
        }
        for (int i = 0; i < batch.size(); i += 25) {
          Map<String, List<WriteRequest>> pending = Map.of("registry", batch.subList(i, Math.min(batch.size(), i + 25)));
          while (!pending.isEmpty()) {
            Map<String, List<WriteRequest>> request = pending;
            var r = dynamo.batchWriteItem(b -> b.requestItems(request));
            pending = r.hasUnprocessedItems() && !r.unprocessedItems().isEmpty() ? r.unprocessedItems() : Map.of();
          }
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
  }

  private static WriteRequest put(Map<String, AttributeValue> item) {
    return WriteRequest.builder().putRequest(p -> p.item(item)).build();
  }
}
