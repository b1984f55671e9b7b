package dev.pier.batch;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.kernel.aws.S3SourcePolicy;
import dev.pier.kernel.engine.Framework;
import dev.pier.local.LocalAws;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelResolver;
import dev.pier.registry.NewVersion;
import dev.pier.registry.RegistryTable;
import dev.pier.runtime.ModelCache;
import dev.pier.runtime.PredictionService;
import dev.pier.runtime.onnx.OnnxEngine;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * Batch scoring's Lambda path in one JVM for the table-output tests: the S3 and DynamoDB stand-ins, the iris model
 * registered (alias {@code production}), the jobs table, the batch bucket, 100 rows per chunk and 16 per model call (a
 * job of 251 rows is 3 chunks), the batch worker with the table outputs {@code outputs} makes, run by the
 * batch-scoring state machine on the local runner, and jobs submitted as the API submits them.
 *
 * <p>The worker's S3 client counts puts by key ({@link #puts}); the n-th put of a key in {@link #loseAnswerOfPut} lands
 * and its answer is lost (a Lambda dying after the write), the n-th put of a key in {@link #dropPut} never lands (it
 * died before): either fails the task, and the state machine retries it.
 */
final class LambdaBatchFixture implements AutoCloseable {
  final Path dir;
  final LocalAws aws;
  final AwsClients clients;
  final JobsTable table;
  final PredictionService predictions;
  final LocalBatchLauncher launcher;
  final BatchJobs jobs;
  final Map<String, AtomicInteger> puts = new ConcurrentHashMap<>();
  final Map<String, Integer> loseAnswerOfPut = new ConcurrentHashMap<>();
  final Map<String, Integer> dropPut = new ConcurrentHashMap<>();

  /** The worker's table outputs, given its (counting) S3 client, the batch settings and the stand-ins' clients. */
  interface Outputs {
    TableOutputs make(S3Client s3, BatchSettings settings, AwsClients clients);
  }

  LambdaBatchFixture(String name, Outputs outputs) throws Exception {
    dir = Files.createTempDirectory(name);
    aws = LocalAws.start(dir.resolve("data"));
    clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
    RegistryTable.createIfMissing(clients.dynamoDb(), "registry");
    ArtifactStore artifacts = new ArtifactStore(clients.s3(), "artifacts");
    artifacts.createBucketIfMissing();
    ModelRegistry registry = new ModelRegistry(clients.dynamoDb(), "registry", artifacts);
    registry.register("iris", new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of()),
        Path.of("../../tests/fixtures/models/iris-mlp.onnx"), null);
    registry.setAlias("iris", "production", 1);
    JobsTable.createIfMissing(clients.dynamoDb(), "jobs");
    table = new JobsTable(clients.dynamoDb(), "jobs");
    clients.s3().createBucket(b -> b.bucket("batch"));
    BatchSettings settings = new BatchSettings("batch", "jobs", 100, 16, 2, Map.of(Priority.HIGH, 1,
        Priority.NORMAL, 1, Priority.LOW, 1), 10, Duration.ofSeconds(1), 1.0);
    predictions = new PredictionService(new ModelResolver(registry, Duration.ofSeconds(5), Duration.ofMinutes(1)),
        new ModelCache(artifacts, dir.resolve("staging"), 1 << 30, Duration.ofMinutes(5),
            List.of(new OnnxEngine(1))));
    S3Client s3 = counting(clients.s3());
    BatchWorker worker = new BatchWorker(table, s3, predictions, settings);
    worker.tables(outputs.make(s3, settings, clients));
    launcher = new LocalBatchLauncher(table, worker, s3, settings);
    jobs = new BatchJobs(table, predictions, launcher, settings, S3SourcePolicy.of(List.of("*"), List.of()), s3);
  }

  /** The job once it has ended (a loaded, shared machine: a bound, not a timing). */
  BatchJob awaitFinal(String id) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    while (!table.require(id).state().isFinal() && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    return table.require(id);
  }

  private S3Client counting(S3Client real) {
    InvocationHandler h = (proxy, method, args) -> {
      if (args != null && args.length > 0 && args[0] instanceof Consumer<?>) {
        return InvocationHandler.invokeDefault(proxy, method, args); // builds the request, then calls the other form
      }
      if (args != null && args.length > 0 && args[0] instanceof PutObjectRequest put) {
        int n = puts.computeIfAbsent(put.key(), k -> new AtomicInteger()).incrementAndGet();
        if (Integer.valueOf(n).equals(dropPut.get(put.key()))) {
          throw SdkClientException.create("the worker died before " + put.key() + " was written");
        }
        Object result = invoke(real, method, args);
        if (Integer.valueOf(n).equals(loseAnswerOfPut.get(put.key()))) {
          throw SdkClientException.create("connection reset after " + put.key() + " was written");
        }
        return result;
      }
      return invoke(real, method, args);
    };
    return (S3Client) Proxy.newProxyInstance(S3Client.class.getClassLoader(), new Class<?>[] {S3Client.class}, h);
  }

  private static Object invoke(S3Client real, java.lang.reflect.Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(real, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @Override
  public void close() {
    launcher.close();
    clients.close();
    aws.close();
  }
}
