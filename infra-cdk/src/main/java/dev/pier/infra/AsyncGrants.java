package dev.pier.infra;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.sqs.IQueue;

/**
 * What each part of async predictions may do, statement by statement, following the calls of
 * {@code dev.pier.async.AsyncPredictions} (the api), {@code dev.pier.async.AsyncWorker} (the SQS-triggered worker) and
 * the {@code AsyncTable}/{@code AsyncObjects} they use, plus the {@code pier.async.*} environment that points the app
 * at the table, bucket and queue. The table and bucket are encrypted with the data key, so each role may use that key,
 * but only through DynamoDB and S3.
 */
final class AsyncGrants {
  static final String REQUESTS = DataStack.ASYNC_PREFIXES.get(0);
  static final String RESULTS = DataStack.ASYNC_PREFIXES.get(1);
  /** The table's sparse index of data subjects ({@code AsyncTable.SUBJECT_INDEX}), queried by erasure. */
  static final String SUBJECT_INDEX = "subject";

  private final DataStack data;
  private final IQueue queue;

  AsyncGrants(DataStack data, IQueue queue) {
    this.data = data;
    this.queue = queue;
  }

  /**
   * {@code pier.async.table}, {@code pier.async.bucket} and, for the function that accepts async requests,
   * {@code pier.async.queue-url}.
   */
  Map<String, String> environment(boolean submits) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PIER_ASYNC_TABLE", data.asyncTable().getTableName());
    env.put("PIER_ASYNC_BUCKET", data.asyncResults().getBucketName());
    if (submits) {
      env.put("PIER_ASYNC_QUEUE_URL", queue.getQueueUrl());
    }
    return env;
  }

  /**
   * Accepting ({@code Prefer: respond-async}): the record and idempotency key in one transaction (authorized as
   * PutItem), reading it back, removing both again when the queue refuses; a large request in S3; the id on the queue.
   */
  List<PolicyStatement> submit() {
    return List.of(
        table("SubmitAsyncPredictions", List.of("dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem"), false),
        objects("StageAsyncRequests", List.of("s3:PutObject", "s3:DeleteObject"), REQUESTS),
        PolicyStatement.Builder.create()
            .sid("QueueAsyncPredictions")
            .actions(List.of("sqs:SendMessage"))
            .resources(List.of(queue.getQueueArn()))
            .build(),
        dataKey("AsyncDataKey"));
  }

  /** {@code GET /api/v1/predictions/{id}} (large results from S3) and erasure by data subject (index query). */
  List<PolicyStatement> readAndErase() {
    return List.of(
        table("ReadEraseAsyncPredictions", List.of("dynamodb:GetItem", "dynamodb:Query", "dynamodb:DeleteItem"), true),
        objects("ReadAsyncResults", List.of("s3:GetObject"), RESULTS),
        objects("EraseAsyncObjects", List.of("s3:DeleteObject"), REQUESTS, RESULTS),
        dataKey("AsyncDataKey"));
  }

  /**
   * The worker: claim, complete or fail a record (conditional updates), read and drop a staged request, write a large
   * result. Receiving and deleting messages is granted by the event source mapping.
   */
  List<PolicyStatement> work() {
    return List.of(
        table("WorkAsyncPredictions", List.of("dynamodb:GetItem", "dynamodb:UpdateItem"), false),
        objects("TakeAsyncRequests", List.of("s3:GetObject", "s3:DeleteObject"), REQUESTS),
        objects("WriteAsyncResults", List.of("s3:PutObject"), RESULTS),
        dataKey("AsyncDataKey"));
  }

  /** The IAM5 finding every role with {@link #objects} statements carries: keys are per prediction id. */
  static final String OBJECTS_REASON = "Async requests and results are objects named by prediction id under "
      + String.join(" and ", DataStack.ASYNC_PREFIXES) + " of the async bucket; the function touches only those "
      + "prefixes.";
  static final String OBJECTS_FINDING = "/^Resource::.*\\/async-(requests|results)\\/\\*$/";

  private PolicyStatement table(String sid, List<String> actions, boolean withSubjectIndex) {
    String arn = data.asyncTable().getTableArn();
    return PolicyStatement.Builder.create()
        .sid(sid)
        .actions(actions)
        .resources(withSubjectIndex ? List.of(arn, arn + "/index/" + SUBJECT_INDEX) : List.of(arn))
        .build();
  }

  private PolicyStatement objects(String sid, List<String> actions, String... prefixes) {
    return PolicyStatement.Builder.create()
        .sid(sid)
        .actions(actions)
        .resources(java.util.Arrays.stream(prefixes).map(p -> data.asyncResults().arnForObjects(p + "*")).toList())
        .build();
  }

  /** DynamoDB and S3 use the data key on the caller's behalf (the bucket with an S3 Bucket Key). */
  private PolicyStatement dataKey(String sid) {
    return PolicyStatement.Builder.create()
        .sid(sid)
        .actions(List.of("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"))
        .resources(List.of(data.key().getKeyArn()))
        .conditions(Map.of("StringEquals", Map.of("kms:ViaService", List.of(
            Fn.sub("dynamodb.${AWS::Region}.amazonaws.com"), Fn.sub("s3.${AWS::Region}.amazonaws.com")))))
        .build();
  }
}
