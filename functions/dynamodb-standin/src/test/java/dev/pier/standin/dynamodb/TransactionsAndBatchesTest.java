package dev.pier.standin.dynamodb;

import static dev.pier.standin.dynamodb.Dynamo.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionCheck;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Delete;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.IdempotentParameterMismatchException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

class TransactionsAndBatchesTest {

    static LocalDynamoDb db;
    static DynamoDbClient c;

    @BeforeAll
    static void start() {
        db = LocalDynamoDb.builder().build().start();
        c = client(db);
    }

    @AfterAll
    static void stop() {
        c.close();
        db.close();
    }

    private static Map<String, AttributeValue> get(String table, String id) {
        var r = c.getItem(g -> g.tableName(table).key(map("id", s(id))));
        return r.hasItem() ? r.item() : null;
    }

    private static TransactWriteItem put(String table, Map<String, AttributeValue> item, String condition) {
        return TransactWriteItem.builder().put(Put.builder().tableName(table).item(item).conditionExpression(condition).build()).build();
    }

    @Test
    void transactionAppliesEveryKindOfWriteAcrossTables() {
        String a = createTable(c, uniqueTable("txa"), "id", "S", null, null);
        String b = createTable(c, uniqueTable("txb"), "id", "S", null, null);
        c.putItem(r -> r.tableName(a).item(map("id", s("acct"), "bal", n(10))));
        c.putItem(r -> r.tableName(b).item(map("id", s("gone"))));
        c.putItem(r -> r.tableName(b).item(map("id", s("guard"), "open", AttributeValue.fromBool(true))));

        c.transactWriteItems(t -> t.transactItems(
                TransactWriteItem.builder().update(Update.builder().tableName(a).key(map("id", s("acct")))
                        .updateExpression("SET bal = bal - :x").conditionExpression("bal >= :x")
                        .expressionAttributeValues(map(":x", n(4))).build()).build(),
                put(b, map("id", s("new"), "v", n(4)), "attribute_not_exists(id)"),
                TransactWriteItem.builder().delete(Delete.builder().tableName(b).key(map("id", s("gone"))).build()).build(),
                TransactWriteItem.builder().conditionCheck(ConditionCheck.builder().tableName(b).key(map("id", s("guard")))
                        .conditionExpression("#o = :t").expressionAttributeNames(names("#o", "open"))
                        .expressionAttributeValues(map(":t", AttributeValue.fromBool(true))).build()).build()));

        assertThat(get(a, "acct").get("bal")).isEqualTo(n(6));
        assertThat(get(b, "new")).containsEntry("v", n(4));
        assertThat(get(b, "gone")).isNull();
    }

    @Test
    void transactionIsAllOrNothingAndReportsOneReasonPerItemInOrder() {
        String t = createTable(c, uniqueTable("txn"), "id", "S", null, null);
        c.putItem(r -> r.tableName(t).item(map("id", s("taken"), "v", n(1))));

        assertThatThrownBy(() -> c.transactWriteItems(w -> w.transactItems(
                put(t, map("id", s("fresh")), "attribute_not_exists(id)"),
                TransactWriteItem.builder().put(Put.builder().tableName(t).item(map("id", s("taken"), "v", n(2)))
                        .conditionExpression("attribute_not_exists(id)")
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD).build()).build())))
                .isInstanceOfSatisfying(TransactionCanceledException.class, e -> {
                    assertThat(e.cancellationReasons()).extracting(CancellationReason::code)
                            .containsExactly("None", "ConditionalCheckFailed");
                    assertThat(e.cancellationReasons().get(1).item()).isEqualTo(map("id", s("taken"), "v", n(1)));
                    assertThat(e.cancellationReasons().get(1).message()).isEqualTo("The conditional request failed");
                    assertThat(e.getMessage()).contains("Transaction cancelled, please refer cancellation reasons for "
                            + "specific reasons [None, ConditionalCheckFailed]");
                });

        assertThat(get(t, "fresh")).isNull();
        assertThat(get(t, "taken").get("v")).isEqualTo(n(1));
    }

    @Test
    void transactionWithTwoOperationsOnOneItemIsRejected() {
        String t = createTable(c, uniqueTable("txd"), "id", "S", null, null);
        assertThatThrownBy(() -> c.transactWriteItems(w -> w.transactItems(
                put(t, map("id", s("x")), null), put(t, map("id", s("x"), "v", n(1)), null))))
                .isInstanceOf(DynamoDbException.class)
                .hasMessageContaining("Transaction request cannot include multiple operations on one item");
    }

    @Test
    void transactionOfMoreThanAHundredWritesIsRejectedWholeAsDynamoDbRejectsIt() {
        String t = createTable(c, uniqueTable("txm"), "id", "S", null, null);
        List<TransactWriteItem> writes = new ArrayList<>();
        for (int i = 0; i <= 100; i++) {
            writes.add(put(t, map("id", s("k" + i)), null));
        }
        assertThatThrownBy(() -> c.transactWriteItems(w -> w.transactItems(writes)))
                .isInstanceOf(DynamoDbException.class)
                .hasMessageContaining("Member must have length less than or equal to 100");
        assertThat(get(t, "k0")).isNull();

        c.transactWriteItems(w -> w.transactItems(writes.subList(0, 100)));
        assertThat(get(t, "k99")).isNotNull();
    }

    @Test
    void repeatedClientRequestTokenIsIdempotent() {
        String t = createTable(c, uniqueTable("txi"), "id", "S", null, null);
        c.putItem(r -> r.tableName(t).item(map("id", s("c"), "n", n(0))));
        TransactWriteItem inc = TransactWriteItem.builder().update(Update.builder().tableName(t).key(map("id", s("c")))
                .updateExpression("ADD n :one").expressionAttributeValues(map(":one", n(1))).build()).build();
        c.transactWriteItems(w -> w.clientRequestToken("tok-1").transactItems(inc));
        c.transactWriteItems(w -> w.clientRequestToken("tok-1").transactItems(inc));
        assertThat(get(t, "c").get("n")).isEqualTo(n(1));
        assertThatThrownBy(() -> c.transactWriteItems(w -> w.clientRequestToken("tok-1")
                .transactItems(put(t, map("id", s("other")), null))))
                .isInstanceOf(IdempotentParameterMismatchException.class);
    }

    @Test
    void transactGetReturnsItemsInRequestOrder() {
        String t = createTable(c, uniqueTable("txg"), "id", "S", null, null);
        c.putItem(r -> r.tableName(t).item(map("id", s("1"), "v", s("one"), "w", s("w"))));
        var resp = c.transactGetItems(g -> g.transactItems(
                TransactGetItem.builder().get(x -> x.tableName(t).key(map("id", s("missing")))).build(),
                TransactGetItem.builder().get(x -> x.tableName(t).key(map("id", s("1"))).projectionExpression("v")).build()));
        assertThat(resp.responses()).hasSize(2);
        assertThat(resp.responses().get(0).item()).isNullOrEmpty();
        assertThat(resp.responses().get(1).item()).isEqualTo(map("v", s("one")));
    }

    @Test
    void batchGetAnswersEachProjectionAsGetItemDoes() {
        // BatchGetItem writes its answer straight from the stored items; GetItem builds a JSON tree: same items
        String t = createTable(c, uniqueTable("bp"), "id", "S", null, null);
        Map<String, AttributeValue> item = map("id", s("1"), "s", s("text \"quoted\" é"), "n", n("-12.5000"),
                "big", n("123456789012345678901234567890.123"), "b", AttributeValue.fromB(
                        software.amazon.awssdk.core.SdkBytes.fromByteArray(new byte[] {0, 1, (byte) 255})),
                "t", AttributeValue.fromBool(true), "nul", AttributeValue.fromNul(true),
                "m", m("c", s("x"), "d", l(n(1), s("y"))), "lst", l(s("l0"), s("l1"), s("l2")),
                "ss", ss("a", "b"), "ns", ns("1", "2.5"), "#weird", s("w"),
                "bs", AttributeValue.fromBs(List.of(software.amazon.awssdk.core.SdkBytes.fromByteArray(new byte[] {7}))));
        c.putItem(r -> r.tableName(t).item(item));
        record Ask(String projection, Map<String, String> names) {}
        for (Ask ask : List.of(new Ask(null, null), new Ask("s, n, not_there, #w, ss", names("#w", "#weird")),
                new Ask("m.d[1], lst[2], lst[0], b", null), new Ask("nul, t, bs, ns, big, m", null))) {
            var g = c.batchGetItem(r -> r.requestItems(Map.of(t, KeysAndAttributes.builder()
                    .keys(map("id", s("1")), map("id", s("absent")))
                    .projectionExpression(ask.projection()).expressionAttributeNames(ask.names()).build())));
            var one = c.getItem(r -> r.tableName(t).key(map("id", s("1"))).projectionExpression(ask.projection())
                    .expressionAttributeNames(ask.names())).item();
            assertThat(g.responses().get(t)).as(String.valueOf(ask.projection())).containsExactly(one);
        }
        assertThat(c.batchGetItem(r -> r.requestItems(Map.of(t, KeysAndAttributes.builder()
                .keys(map("id", s("1"))).attributesToGet("n", "s", "n").build()))).responses().get(t))
                .containsExactly(map("n", n("-12.5"), "s", s("text \"quoted\" é")));
        assertThatThrownBy(() -> c.batchGetItem(r -> r.requestItems(Map.of(t, KeysAndAttributes.builder()
                .keys(map("id", s("1"))).projectionExpression("s, m.c, n, m").build()))))
                .isInstanceOf(DynamoDbException.class)
                .hasMessageContaining("Two document paths overlap with each other")
                .hasMessageContaining("path one: [m, c], path two: [m]");
    }

    @Test
    void batchWriteThenBatchGetAcrossTables() {
        String a = createTable(c, uniqueTable("ba"), "id", "S", null, null);
        String b = createTable(c, uniqueTable("bb"), "id", "S", null, null);
        c.putItem(r -> r.tableName(b).item(map("id", s("old"))));
        List<WriteRequest> puts = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            puts.add(WriteRequest.builder().putRequest(PutRequest.builder().item(map("id", s("k" + i), "i", n(i))).build()).build());
        }
        var w = c.batchWriteItem(r -> r.requestItems(Map.of(a, puts,
                b, List.of(WriteRequest.builder().deleteRequest(DeleteRequest.builder().key(map("id", s("old"))).build()).build()))));
        assertThat(w.unprocessedItems()).isEmpty();

        var g = c.batchGetItem(r -> r.requestItems(Map.of(
                a, KeysAndAttributes.builder().keys(map("id", s("k3")), map("id", s("k7")), map("id", s("nope")))
                        .projectionExpression("i").build(),
                b, KeysAndAttributes.builder().keys(map("id", s("old"))).build())));
        assertThat(g.responses().get(a)).containsExactlyInAnyOrder(map("i", n(3)), map("i", n(7)));
        assertThat(g.responses().get(b)).isEmpty();
        assertThat(g.unprocessedKeys()).isEmpty();
    }

    @Test
    void batchWriteWithDuplicateKeysIsRejected() {
        String a = createTable(c, uniqueTable("bd"), "id", "S", null, null);
        WriteRequest wr = WriteRequest.builder().putRequest(PutRequest.builder().item(map("id", s("x"))).build()).build();
        assertThatThrownBy(() -> c.batchWriteItem(r -> r.requestItems(Map.of(a, List.of(wr, wr)))))
                .isInstanceOf(DynamoDbException.class)
                .hasMessageContaining("Provided list of item keys contains duplicates");
    }

    @Test
    void concurrentConditionalIncrementsLoseNoUpdate() throws Exception {
        String t = createTable(c, uniqueTable("cc"), "id", "S", null, null);
        c.putItem(r -> r.tableName(t).item(map("id", s("ctr"), "v", n(0))));
        int threads = 8, perThread = 40;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int th = 0; th < threads; th++) {
                futures.add(pool.submit(() -> {
                    int conflicts = 0;
                    for (int i = 0; i < perThread; i++) {
                        while (true) {
                            // optimistic read-modify-write: read v, write v+1 only if v is unchanged
                            String v = c.getItem(g -> g.tableName(t).key(map("id", s("ctr"))).consistentRead(true))
                                    .item().get("v").n();
                            try {
                                c.putItem(p -> p.tableName(t).item(map("id", s("ctr"), "v", n(Long.parseLong(v) + 1)))
                                        .conditionExpression("v = :old").expressionAttributeValues(map(":old", n(v))));
                                break;
                            } catch (ConditionalCheckFailedException e) {
                                conflicts++;
                            }
                        }
                    }
                    return conflicts;
                }));
            }
            for (Future<Integer> f : futures) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(get(t, "ctr").get("v")).isEqualTo(n(threads * perThread));
    }
}
