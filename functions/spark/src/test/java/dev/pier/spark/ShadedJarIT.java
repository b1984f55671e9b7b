package dev.pier.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.batch.BatchJob;
import dev.pier.batch.BatchJobs;
import dev.pier.batch.JobState;
import dev.pier.batch.LocalSparkLauncher;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.Tensor;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The connector's one jar ({@code target/pier-spark.jar}, or {@code target/spark4/pier-spark4.jar} under
 * {@code -Pspark4}) as a cluster runs it: batch jobs in a child JVM whose class path is Spark's own — spark-sql and
 * its dependencies at Spark's versions ({@code functions/spark-cluster}: Jackson 2.15, Guava 16, protobuf 3.19,
 * Netty 4.1.96 for Spark 3.5) — and that jar, nothing else. The jobs score through the Glue and BigQuery clients that
 * the jar carries, and every BigQuery row's outputs are what the prediction pipeline answers for that row.
 */
class ShadedJarIT {
  static SparkJobFixture spark;
  static Path jar;
  static List<String> cluster;

  @BeforeAll
  static void start() throws Exception {
    jar = Path.of(System.getProperty("pier.spark.jar", "target/pier-spark.jar"));
    Path clusterFile = Path.of(System.getProperty("pier.spark.cluster",
        "../spark-cluster/target/spark-classpath.txt"));
    assertThat(jar).as("the shaded jar (mvn package builds it)").isRegularFile();
    assertThat(clusterFile).as("Spark's own class path (functions/spark-cluster writes it)").isRegularFile();
    cluster = List.of(LocalSparkLauncher.classpathFrom(clusterFile).split(File.pathSeparator));

    // the child's class path: Spark's own jars, then the jar (a cluster puts --jars after its own); nothing of this
    // build's test or compile class path
    spark = new SparkJobFixture("pier-spark-shaded-test",
        String.join(File.pathSeparator, cluster) + File.pathSeparator + jar.toAbsolutePath());
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.close();
    }
  }

  @Test
  void theJarNamesTheBatchJobAndHoldsNoClassOfSparksOwnClassPathNorAnyUnrelocatedConflictingLibrary()
      throws IOException {
    Set<String> sparks = new HashSet<>();
    for (String entry : cluster) {
      try (JarFile j = new JarFile(entry)) {
        j.stream().map(JarEntry::getName).filter(n -> n.endsWith(".class") && !n.startsWith("META-INF/"))
            .forEach(sparks::add);
      }
    }
    List<String> overlap = new ArrayList<>();
    List<String> unrelocated = new ArrayList<>();
    try (JarFile j = new JarFile(jar.toFile())) {
      assertThat(j.getManifest().getMainAttributes().getValue("Main-Class")).isEqualTo("dev.pier.spark.SparkBatchJob");
      assertThat(j.getEntry("dev/pier/spark/PierSpark.class")).isNotNull();
      assertThat(j.getEntry("dev/pier/shaded/jackson/databind/ObjectMapper.class")).isNotNull();
      assertThat(j.getEntry("ai/onnxruntime/OrtEnvironment.class")).isNotNull();
      j.stream().map(JarEntry::getName).filter(n -> n.endsWith(".class") && !n.startsWith("META-INF/"))
          .forEach(n -> {
            if (sparks.contains(n)) {
              overlap.add(n);
            }
            if (n.startsWith("org/apache/spark/") || n.startsWith("scala/") || n.startsWith("org/apache/hadoop/")
                || n.startsWith("com/fasterxml/jackson/") || n.startsWith("com/google/common/")
                || n.startsWith("com/google/protobuf/") || n.startsWith("io/netty/")
                || n.startsWith("org/slf4j/") || n.startsWith("org/apache/logging/log4j/")) {
              unrelocated.add(n);
            }
          });
    }
    assertThat(sparks).hasSizeGreaterThan(10_000);
    assertThat(overlap).as("classes that Spark's own class path also has").isEmpty();
    assertThat(unrelocated).isEmpty();
  }

  @Test
  void aBigQueryJobScoresOnSparksOwnClassPathWithTheJarAloneEveryRowAsThePipelineAnswersIt() throws Exception {
    spark.bigQuery.datasets.add("proj-one.scores");
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 3000; i++) { // about 110 KB: two partitions of 64 KB, two write streams
      rows.append("{\"id\":").append(i).append(",\"input\":[5.1,3.5,1.4,").append(i % 25 / 10.0).append("]}\n");
    }
    rows.append("{\"id\":3000,\"input\":[5.1,3.5]}\n");
    spark.clients.s3().putObject(b -> b.bucket("batch").key("in/bq.jsonl"), RequestBody.fromString(rows.toString()));
    BatchJob done = spark.awaitFinal(spark.jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/bq.jsonl",
        "bigquery://proj-one.scores.iris_daily", null, null, null, "spark")).id());

    String log = spark.log(done);
    assertThat(done.error()).as(log).isNull();
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(log).contains("Running Spark version " + System.getProperty("pier.spark.version", "3.5.9"));
    assertThat(done.succeeded()).isEqualTo(3000);
    assertThat(done.failed()).isEqualTo(1);
    assertThat(done.plan().chunks()).isGreaterThan(1);
    List<Map<String, Object>> scored = spark.bigQuery.rows.get("proj-one.scores.iris_daily");
    assertThat(scored.stream().map(r -> (Long) r.get("id")).sorted().toList())
        .isEqualTo(LongStream.range(0, 3001).boxed().toList());
    Map<String, Object> bad = scored.stream().filter(r -> r.get("id").equals(3000L)).findFirst().orElseThrow();
    assertThat(bad.get("pier_error")).isEqualTo("column 'input' has 2 values, input 'input' takes 4");
    int compared = 0;
    for (Map<String, Object> r : scored) {
      if (r.get("pier_error") != null) {
        continue;
      }
      @SuppressWarnings("unchecked")
      List<Double> input = (List<Double>) r.get("input");
      float[] features = new float[4];
      for (int k = 0; k < 4; k++) {
        features[k] = input.get(k).floatValue();
      }
      var expected = spark.predictions.infer("iris", "1", new InferenceRequest("one",
          List.of(new Tensor("input", Datatype.FP32, new long[] {1, 4}, features)), List.of()));
      for (Tensor t : expected.outputs()) {
        Object value = r.get(t.name());
        List<Object> actual = value instanceof List<?> l ? List.copyOf(l) : List.of(value);
        List<Object> want = new ArrayList<>();
        switch (t.data()) {
          case float[] f -> { for (float x : f) want.add((double) x); }
          case long[] l -> { for (long x : l) want.add(x); }
          default -> throw new AssertionError("unexpected output " + t.data().getClass());
        }
        assertThat(actual).as("output %s of row %s", t.name(), r.get("id")).isEqualTo(want);
      }
      compared++;
    }
    assertThat(compared).isEqualTo(3000);
  }

  @Test
  void aGlueJobWritesItsParquetPartitionAndRegistersItWithTheJarAlone() throws Exception {
    spark.clients.s3().putObject(b -> b.bucket("batch").key("in/glue.jsonl"), RequestBody.fromString(
        "{\"id\":1,\"input\":[5.1,3.5,1.4,0.2]}\n{\"id\":2,\"input\":[6.7,3.0,5.2,2.3]}\n{\"id\":3,\"input\":[1]}\n"));
    BatchJob done = spark.awaitFinal(spark.jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/glue.jsonl",
        "glue://scores.iris_daily", null, null, null, "spark")).id());

    assertThat(done.error()).as(spark.log(done)).isNull();
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(done.succeeded()).isEqualTo(2);
    assertThat(done.failed()).isEqualTo(1);
    JsonNode t = spark.glue.tables.get("scores.iris_daily");
    assertThat(t.path("StorageDescriptor").path("Columns").toString()).startsWith(
        "[{\"Name\":\"id\",\"Type\":\"bigint\"},{\"Name\":\"input\",\"Type\":\"array<double>\"}")
        .endsWith("{\"Name\":\"pier_error\",\"Type\":\"string\"}]");
    assertThat(spark.glue.partitions).hasSize(1);
    String location = spark.glue.partitions.values().iterator().next().path("StorageDescriptor").path("Location")
        .asText();
    String prefix = location.substring("s3://batch/".length());
    assertThat(prefix).startsWith("tables/scores/iris_daily/job_id=" + done.id() + "/date=");
    assertThat(spark.clients.s3().listObjectsV2(b -> b.bucket("batch").prefix(prefix)).contents())
        .anyMatch(o -> o.key().endsWith(".parquet") && o.size() > 0);
  }
}
