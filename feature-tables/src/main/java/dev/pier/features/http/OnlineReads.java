package dev.pier.features.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializable;
import dev.pier.features.FeastJson;
import dev.pier.features.FeatureStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Which thread answers an online read ({@code POST /get-online-features}, {@code /api/v1/features/online}): the HTTP
 * I/O thread that received it, when the online store answers without blocking and the read is small, else a worker.
 *
 * <p>A read that blocks on DynamoDB (AWS, or the stand-in over loopback HTTP) must not hold an I/O thread, so it goes
 * to {@code workers} as every blocking route does. With the stand-in reached in process ({@code
 * pier.local.dynamodb-transport=in-process}, local mode's default) a read is CPU alone, and a small one costs less
 * than the two hand-offs a worker adds (I/O thread to worker, worker back to the I/O thread to write), each of which
 * waits for a core on a busy machine. Reads of more than {@code inlineValues} values (entity rows × features) still go
 * to a worker, so that a 50 × 200 read (some 10 ms of CPU) does not stall the other connections of its I/O thread,
 * predictions among them.
 *
 * @param workers where reads that block or are large run (Quarkus's worker pool in the api)
 * @param inlineValues the largest read, in values, answered on the I/O thread; 0: none (the online store blocks)
 */
public record OnlineReads(Executor workers, int inlineValues) {
  /**
   * A bound for local mode with the in-process stand-in ({@code pier.features.inline-read-values}, off by default): a
   * 1 × 50 read is about 0.5 ms of CPU there, 1,000 values a few times that.
   */
  public static final int IN_PROCESS_INLINE_VALUES = 1_000;

  /** Every read on a worker thread: the online store blocks (AWS, or the stand-in over HTTP). */
  public static OnlineReads onWorkers(Executor workers) {
    return new OnlineReads(workers, 0);
  }

  /** Parses {@code body} here (on the I/O thread: it is small), then reads here or on a worker. */
  CompletionStage<JsonSerializable> answer(FeatureStore features, JsonNode body) {
    FeatureRequests.Online r = FeatureRequests.online(body);
    if (inlineValues > 0 && values(features, r) <= inlineValues) {
      return CompletableFuture.completedFuture(read(features, r)); // a 4xx is thrown to the same error mapping
    }
    CompletableFuture<JsonSerializable> answer = new CompletableFuture<>();
    workers.execute(() -> {
      try {
        answer.complete(read(features, r));
      } catch (Throwable e) {
        answer.completeExceptionally(e); // unwrapped, so that the route maps it as it would a thrown one
      }
    });
    return answer;
  }

  /** The answer streams itself to the response (see {@link FeastJson#answer}). */
  static JsonSerializable read(FeatureStore features, FeatureRequests.Online r) {
    return FeastJson.answer(features.online().read(r.features(), r.featureService(), r.entities(), r.fullNames()));
  }

  /** Entity rows × features asked for (a feature service's from the in-memory catalog). */
  private static long values(FeatureStore features, FeatureRequests.Online r) {
    long rows = 1;
    for (JsonNode column : r.entities().values()) {
      rows = Math.max(rows, column.size());
    }
    int asked = r.featureService() == null || (r.features() != null && !r.features().isEmpty())
        ? (r.features() == null ? 0 : r.features().size())
        : features.registry().catalog().resolve(null, r.featureService()).size();
    return rows * asked;
  }
}
