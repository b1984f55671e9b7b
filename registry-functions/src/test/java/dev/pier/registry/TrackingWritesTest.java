package dev.pier.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import dev.pier.tracking.Metric;
import dev.pier.tracking.Run;
import dev.pier.tracking.TrackingStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The tracking store's batched writes on the DynamoDB stand-in: a run created with its tags and params in one
 * transaction, a log-batch in transactions of up to 100 actions, and the same results (and MLflow's errors) as the
 * item-by-item writes when a transaction is cancelled.
 */
class TrackingWritesTest extends StandInRegistry {
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private TrackingStore tracking;
  private String experiment;

  @BeforeEach
  void store() {
    tracking = new TrackingStore(counting(clients.dynamoDb()), "registry", "s3://artifacts/mlflow");
    experiment = tracking.createExperiment(model("writes"), null, Map.of());
    calls.clear();
  }

  private DynamoDbClient counting(DynamoDbClient real) {
    return (DynamoDbClient) Proxy.newProxyInstance(DynamoDbClient.class.getClassLoader(),
        new Class<?>[] {DynamoDbClient.class}, (proxy, method, args) -> {
          if (!method.getDeclaringClass().equals(Object.class) && !method.getName().equals("serviceName")) {
            calls.computeIfAbsent(method.getName(), k -> new AtomicInteger()).incrementAndGet();
          }
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  private Map<String, Integer> calls() {
    Map<String, Integer> out = new TreeMap<>();
    calls.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  @Test
  void aRunIsCreatedWithItsTagsAndParamsInOneTransactionAndReadsBackAsReturned() {
    Run created = tracking.createRun(experiment, "child", "pier", 1_000, Map.of("mlflow.parentRunId", "p1",
        "pier.trial", "7"), Map.of("max_depth", "5", "eta", "0.1"));
    assertThat(calls()).isEqualTo(Map.of("getItem", 1, "transactWriteItems", 1)); // the experiment, then the run
    Run read = tracking.run(created.runId());
    assertThat(read).isEqualTo(created);
    assertThat(read.params()).isEqualTo(Map.of("max_depth", "5", "eta", "0.1"));
    assertThat(read.tags()).containsEntry("mlflow.parentRunId", "p1").containsEntry("mlflow.runName", "child")
        .containsEntry("mlflow.user", "pier").containsEntry("pier.trial", "7");
    assertThat(read.status()).isEqualTo("RUNNING");
    // the params are params: logging one again with another value is MLflow's 400
    assertThatThrownBy(() -> tracking.logBatch(created.runId(), List.of(), Map.of("eta", "0.2"), Map.of()))
        .isInstanceOf(PierException.class).hasMessageContaining("changing param values is not allowed")
        .extracting(e -> ((PierException) e).status()).isEqualTo(400);
  }

  @Test
  void manyTagsAndParamsGoInMoreThanOneTransaction() {
    Map<String, String> tags = new LinkedHashMap<>();
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 0; i < 100; i++) {
      tags.put("t" + i, "v" + i);
      params.put("p" + i, Integer.toString(i));
    }
    Run created = tracking.createRun(experiment, "wide", null, 0, tags, params);
    assertThat(calls().get("transactWriteItems")).isEqualTo(3); // 1 run + 101 tags + 100 params
    Run read = tracking.run(created.runId());
    assertThat(read.params()).hasSize(100).isEqualTo(params);
    assertThat(read.tags()).hasSize(101).containsAllEntriesOf(tags);
    params.put("one more", "1");
    assertThatThrownBy(() -> tracking.createRun(experiment, "too wide", null, 0, Map.of(), params))
        .isInstanceOf(PierException.class).hasMessageContaining("at most 100 params");
  }

  @Test
  void aLogBatchIsOneTransactionKeepingEveryValueAndTheLatestOfEachKey() {
    String run = tracking.createRun(experiment, "batch", null, 0, Map.of(), Map.of()).runId();
    calls.clear();
    List<Metric> metrics = List.of(new Metric("auc", 0.7, 10, 0), new Metric("auc", 0.8, 10, 2),
        new Metric("auc", 0.75, 10, 1), new Metric("loss", 0.5, 20, 0), new Metric("loss", 0.4, 21, 0));
    tracking.logBatch(run, metrics, Map.of("eta", "0.1"), Map.of("note", "x"));
    assertThat(calls()).isEqualTo(Map.of("transactWriteItems", 1));
    Run read = tracking.run(run);
    assertThat(read.metrics()).containsExactlyInAnyOrder(new Metric("auc", 0.8, 10, 2),
        new Metric("loss", 0.4, 21, 0));
    assertThat(read.params()).containsEntry("eta", "0.1");
    assertThat(read.tags()).containsEntry("note", "x");
    assertThat(tracking.metricHistory(run, "auc")).extracting(Metric::step).containsExactly(0L, 1L, 2L);
    assertThat(tracking.metricHistory(run, "loss")).extracting(Metric::value).containsExactly(0.5, 0.4);
    // a later batch with an older step: its values join the history, the stored latest stays (item by item)
    tracking.logBatch(run, List.of(new Metric("auc", 0.1, 30, 1)), Map.of(), Map.of());
    assertThat(tracking.run(run).metrics()).contains(new Metric("auc", 0.8, 10, 2));
    assertThat(tracking.metricHistory(run, "auc")).hasSize(4);
    // the same param value again is fine; a runName tag renames the run
    tracking.logBatch(run, List.of(), Map.of("eta", "0.1"), Map.of("mlflow.runName", "renamed"));
    assertThat(tracking.run(run).name()).isEqualTo("renamed");
  }

  @Test
  void aBatchLargerThanOneTransactionKeepsEveryValue() {
    String run = tracking.createRun(experiment, "long", null, 0, Map.of(), Map.of()).runId();
    calls.clear();
    List<Metric> metrics = new ArrayList<>();
    for (int step = 0; step < 250; step++) {
      metrics.add(new Metric("by_round", step / 1000.0, 5, step));
    }
    tracking.logBatch(run, metrics, Map.of(), Map.of());
    assertThat(calls()).isEqualTo(Map.of("transactWriteItems", 3)); // 250 values and 1 latest, 99 a transaction
    assertThat(tracking.metricHistory(run, "by_round")).extracting(Metric::step).hasSize(250)
        .isSorted().startsWith(0L).endsWith(249L);
    assertThat(tracking.run(run).metrics()).containsExactly(new Metric("by_round", 0.249, 5, 249));
  }

  @Test
  void aMissingOrDeletedRunGivesMlflowsErrorsAndNothingIsWritten() {
    assertThatThrownBy(() -> tracking.logBatch("nope", List.of(new Metric("m", 1, 1, 0)), Map.of(), Map.of()))
        .isInstanceOf(PierException.class).extracting(e -> ((PierException) e).status()).isEqualTo(404);
    String run = tracking.createRun(experiment, "gone", null, 0, Map.of(), Map.of()).runId();
    tracking.deleteRun(run);
    assertThatThrownBy(() -> tracking.logBatch(run, List.of(new Metric("m", 1, 1, 0)), Map.of("a", "1"), Map.of()))
        .isInstanceOf(PierException.class).hasMessageContaining("is deleted");
    tracking.restoreRun(run);
    Run read = tracking.run(run);
    assertThat(read.metrics()).isEmpty();
    assertThat(read.params()).isEmpty();
  }

  @Test
  void aRunInAKnownExperimentIsOneTransactionThatChecksTheExperimentIsActive() {
    var known = tracking.experiment(experiment);
    calls.clear();
    Run created = tracking.createRun(known, "known", null, 0, Map.of(), Map.of("a", "1"));
    assertThat(calls()).isEqualTo(Map.of("transactWriteItems", 1));
    assertThat(tracking.run(created.runId())).isEqualTo(created);
    clients.dynamoDb().updateItem(b -> b.tableName("registry") // deleted meanwhile (as MLflow's server may)
        .key(Map.of("pk", AttributeValue.fromS("EXPERIMENT#" + experiment), "sk", AttributeValue.fromS("EXPERIMENT")))
        .updateExpression("SET lifecycle = :d").expressionAttributeValues(Map.of(":d", AttributeValue.fromS("deleted"))));
    assertThatThrownBy(() -> tracking.createRun(known, "too late", null, 0, Map.of(), Map.of()))
        .isInstanceOf(PierException.class).hasMessageContaining("is deleted")
        .extracting(e -> ((PierException) e).status()).isEqualTo(400);
  }

  @Test
  void aRunsLastResultsAndItsEndAreOneWrite() {
    String run = tracking.createRun(experiment, "last", null, 0, Map.of(), Map.of()).runId();
    calls.clear();
    tracking.logBatchAndEnd(run, List.of(new Metric("auc", 0.9, 3, 0)), Map.of(), Map.of(), "FINISHED", 777);
    assertThat(calls()).isEqualTo(Map.of("transactWriteItems", 1));
    Run read = tracking.run(run);
    assertThat(read.status()).isEqualTo("FINISHED");
    assertThat(read.endTime()).isEqualTo(777);
    assertThat(read.metrics()).containsExactly(new Metric("auc", 0.9, 3, 0));
    // cancelled (an older value than the stored latest): item by item, and still ended
    tracking.logBatchAndEnd(run, List.of(new Metric("auc", 0.1, 1, 0)), Map.of(), Map.of(), "FAILED", 888);
    read = tracking.run(run);
    assertThat(read.status()).isEqualTo("FAILED");
    assertThat(read.metrics()).containsExactly(new Metric("auc", 0.9, 3, 0));
    assertThat(tracking.metricHistory(run, "auc")).hasSize(2);
  }

  @Test
  void endingARunIsOneConditionalWrite() {
    String run = tracking.createRun(experiment, "ends", null, 0, Map.of(), Map.of()).runId();
    calls.clear();
    tracking.endRun(run, "FINISHED", 12_345);
    assertThat(calls()).isEqualTo(Map.of("updateItem", 1));
    Run read = tracking.run(run);
    assertThat(read.status()).isEqualTo("FINISHED");
    assertThat(read.endTime()).isEqualTo(12_345);
    assertThatThrownBy(() -> tracking.endRun("nope", "FINISHED", 1)).isInstanceOf(PierException.class)
        .extracting(e -> ((PierException) e).status()).isEqualTo(404);
    assertThatThrownBy(() -> tracking.endRun(run, "DONE", 1)).isInstanceOf(PierException.class)
        .extracting(e -> ((PierException) e).status()).isEqualTo(400);
  }

  @Test
  void aValueLoggedAgainAtItsStepReplacesItWhenLoggedOncePerStepButJoinsTheHistoryOtherwise() {
    String run = tracking.createRun(experiment, "r", "pier", 1_000, Map.of(), Map.of()).runId();
    List<Metric> first = List.of(new Metric("auc", 0.6, 10, 0), new Metric("auc", 0.7, 10, 1));
    List<Metric> again = List.of(new Metric("auc", 0.61, 20, 0), new Metric("auc", 0.71, 20, 1));
    tracking.logBatchOnePerStep(run, first, Map.of(), Map.of(), null, 0);
    tracking.logBatchOnePerStep(run, again, Map.of(), Map.of(), "FINISHED", 30);
    assertThat(tracking.metricHistory(run, "auc")).containsExactlyElementsOf(again);
    assertThat(tracking.run(run).status()).isEqualTo("FINISHED");
    tracking.logBatch(run, first, Map.of(), Map.of()); // MLflow's log-batch keeps every value
    assertThat(tracking.metricHistory(run, "auc")).hasSize(4);
  }

  @Test
  void aRunIsCreatedOnceUnderItsChosenIdHoweverOftenItIsAskedFor() {
    var e = tracking.experiment(experiment);
    String id = "0123456789abcdef0123456789abcdef";
    Run created = tracking.createRunOnce(e, id, "trial", "pier", 1_000, Map.of("pier.trial", "3"),
        Map.of("eta", "0.1"));
    Run again = tracking.createRunOnce(e, id, "trial", "pier", 2_000, Map.of("pier.trial", "3"),
        Map.of("eta", "0.1"));
    assertThat(created.runId()).isEqualTo(id);
    assertThat(again).isEqualTo(tracking.run(id));
    assertThat(again.startTime()).isEqualTo(1_000); // as the first created it
    assertThat(tracking.searchRuns(List.of(experiment), null, "ACTIVE_ONLY", List.of(), null, 100).items())
        .extracting(Run::runId).containsExactly(id);
    assertThatThrownBy(() -> tracking.createRunOnce(e, "not-hex", "x", "pier", 1, Map.of(), Map.of()))
        .isInstanceOf(PierException.class);
  }
}
