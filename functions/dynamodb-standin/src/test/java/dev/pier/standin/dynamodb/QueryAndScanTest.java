package dev.pier.standin.dynamodb;

import static dev.pier.standin.dynamodb.Dynamo.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.LocalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.Select;

class QueryAndScanTest {

    static LocalDynamoDb db;
    static DynamoDbClient c;
    static final String T = "events";

    @BeforeAll
    static void start() {
        db = LocalDynamoDb.builder().build().start();
        c = client(db);
        c.createTable(r -> r.tableName(T).billingMode(BillingMode.PAY_PER_REQUEST)
                .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build(),
                        KeySchemaElement.builder().attributeName("sk").keyType(KeyType.RANGE).build())
                .attributeDefinitions(def("pk", "S"), def("sk", "N"), def("kind", "S"), def("label", "S"))
                .globalSecondaryIndexes(GlobalSecondaryIndex.builder().indexName("byKind")
                        .keySchema(KeySchemaElement.builder().attributeName("kind").keyType(KeyType.HASH).build(),
                                KeySchemaElement.builder().attributeName("sk").keyType(KeyType.RANGE).build())
                        .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build()).build())
                .localSecondaryIndexes(LocalSecondaryIndex.builder().indexName("byLabel")
                        .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build(),
                                KeySchemaElement.builder().attributeName("label").keyType(KeyType.RANGE).build())
                        .projection(Projection.builder().projectionType(ProjectionType.ALL).build()).build()));
        // sort keys 1..20 under "a" (numeric order differs from string order: 2 < 10), 5 under "b"
        for (int i = 1; i <= 20; i++) {
            int k = i;
            c.putItem(r -> r.tableName(T).item(map("pk", s("a"), "sk", n(k), "kind", s(k % 2 == 0 ? "even" : "odd"),
                    "label", s("L" + (100 - k)), "payload", s("p" + k))));
        }
        for (int i = 1; i <= 5; i++) {
            int k = i;
            c.putItem(r -> r.tableName(T).item(map("pk", s("b"), "sk", n(k * 10), "payload", s("q" + k))));
        }
    }

    @AfterAll
    static void stop() {
        c.close();
        db.close();
    }

    private static List<Integer> sortKeys(List<Map<String, AttributeValue>> items) {
        return items.stream().map(i -> Integer.parseInt(i.get("sk").n())).toList();
    }

    @ParameterizedTest(name = "sk {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "sk = :x                  | 5",
            "sk < :x                  | 1,2,3,4",
            "sk <= :x                 | 1,2,3,4,5",
            "sk > :y                  | 19,20",
            "sk >= :y                 | 18,19,20",
            "sk BETWEEN :x AND :z     | 5,6,7",
    })
    void queryAppliesSortKeyConditionsNumerically(String sortCondition, String expected) {
        Map<String, AttributeValue> values = new java.util.HashMap<>(map(":p", s("a")));
        if (sortCondition.contains(":x")) values.put(":x", n(5));
        if (sortCondition.contains(":y")) values.put(":y", n(18));
        if (sortCondition.contains(":z")) values.put(":z", n(7));
        QueryResponse r = c.query(q -> q.tableName(T).keyConditionExpression("pk = :p AND " + sortCondition)
                .expressionAttributeValues(values));
        List<Integer> want = java.util.Arrays.stream(expected.split(",")).map(String::trim).map(Integer::parseInt).toList();
        assertThat(sortKeys(r.items())).isEqualTo(want);
        assertThat(r.count()).isEqualTo(want.size());
    }

    @Test
    void queryWithBeginsWithOnAStringSortKey() {
        String name = createTable(c, uniqueTable("bw"), "pk", "S", "sk", "S");
        for (String sk : List.of("order#1", "order#2", "orders", "other", "order")) {
            c.putItem(r -> r.tableName(name).item(map("pk", s("x"), "sk", s(sk))));
        }
        List<String> got = c.query(q -> q.tableName(name).keyConditionExpression("pk = :p AND begins_with(sk, :pre)")
                        .expressionAttributeValues(map(":p", s("x"), ":pre", s("order#"))))
                .items().stream().map(i -> i.get("sk").s()).toList();
        assertThat(got).containsExactly("order#1", "order#2");
    }

    @Test
    void binarySortKeysAreOrderedBytewiseUnsigned() {
        String name = createTable(c, uniqueTable("bin"), "pk", "S", "sk", "B");
        for (int b : new int[] {0xff, 0x01, 0x80, 0x7f}) {
            c.putItem(r -> r.tableName(name).item(map("pk", s("x"),
                    "sk", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {(byte) b})))));
        }
        List<Integer> got = c.query(q -> q.tableName(name).keyConditionExpression("pk = :p")
                        .expressionAttributeValues(map(":p", s("x"))))
                .items().stream().map(i -> i.get("sk").b().asByteArray()[0] & 0xff).toList();
        assertThat(got).containsExactly(0x01, 0x7f, 0x80, 0xff);
    }

    @Test
    void queryBackwardsWithLimitPagesThroughEverything() {
        List<Integer> seen = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        int pages = 0;
        do {
            Map<String, AttributeValue> esk = start;
            QueryResponse r = c.query(q -> q.tableName(T).keyConditionExpression("pk = :p")
                    .expressionAttributeValues(map(":p", s("a"))).scanIndexForward(false).limit(6).exclusiveStartKey(esk));
            seen.addAll(sortKeys(r.items()));
            start = r.hasLastEvaluatedKey() ? r.lastEvaluatedKey() : null;
            pages++;
        } while (start != null);
        assertThat(pages).isEqualTo(4);
        assertThat(seen).hasSize(20).isSortedAccordingTo((x, y) -> Integer.compare(y, x));
    }

    @Test
    void paginatorFollowsLastEvaluatedKeyWithARangeCondition() {
        List<Integer> all = new ArrayList<>();
        c.queryPaginator(QueryRequest.builder().tableName(T).keyConditionExpression("pk = :p AND sk > :x")
                        .expressionAttributeValues(map(":p", s("a"), ":x", n(10))).limit(3).build())
                .items().forEach(i -> all.add(Integer.parseInt(i.get("sk").n())));
        assertThat(all).containsExactly(11, 12, 13, 14, 15, 16, 17, 18, 19, 20);
    }

    @Test
    void filterAppliesAfterLimitAndCountsScannedItems() {
        QueryResponse r = c.query(q -> q.tableName(T).keyConditionExpression("pk = :p")
                .filterExpression("kind = :k").expressionAttributeValues(map(":p", s("a"), ":k", s("even"))).limit(5));
        assertThat(sortKeys(r.items())).containsExactly(2, 4);
        assertThat(r.scannedCount()).isEqualTo(5);
        assertThat(r.lastEvaluatedKey()).containsEntry("sk", n(5));
    }

    @Test
    void selectCountReturnsOnlyCounts() {
        QueryResponse r = c.query(q -> q.tableName(T).keyConditionExpression("pk = :p").select(Select.COUNT)
                .expressionAttributeValues(map(":p", s("b"))));
        assertThat(r.count()).isEqualTo(5);
        assertThat(r.hasItems()).isFalse();
    }

    @Test
    void queryProjectionReturnsRequestedAttributesOnly() {
        QueryResponse r = c.query(q -> q.tableName(T).keyConditionExpression("pk = :p AND sk = :s")
                .projectionExpression("payload").expressionAttributeValues(map(":p", s("b"), ":s", n(20))));
        assertThat(r.items()).containsExactly(map("payload", s("q2")));
    }

    @Test
    void globalIndexQueryReturnsProjectedKeysOfSparseEntries() {
        QueryResponse r = c.query(q -> q.tableName(T).indexName("byKind")
                .keyConditionExpression("kind = :k AND sk > :x").expressionAttributeValues(map(":k", s("odd"), ":x", n(15))));
        assertThat(r.items()).containsExactly(
                map("pk", s("a"), "sk", n(17), "kind", s("odd")),
                map("pk", s("a"), "sk", n(19), "kind", s("odd")));
        // items under "b" have no kind, so the index holds only the 20 "a" items
        assertThat(c.describeTable(d -> d.tableName(T)).table().globalSecondaryIndexes().get(0).itemCount()).isEqualTo(20);
    }

    @Test
    void globalIndexQueryPagesWithIndexKeysInLastEvaluatedKey() {
        Set<Integer> seen = new HashSet<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> esk = start;
            QueryResponse r = c.query(q -> q.tableName(T).indexName("byKind").keyConditionExpression("kind = :k")
                    .expressionAttributeValues(map(":k", s("even"))).limit(4).exclusiveStartKey(esk));
            seen.addAll(sortKeys(r.items()));
            start = r.hasLastEvaluatedKey() ? r.lastEvaluatedKey() : null;
            if (start != null) assertThat(start.keySet()).containsExactlyInAnyOrder("pk", "sk", "kind");
        } while (start != null);
        assertThat(seen).containsExactlyInAnyOrder(2, 4, 6, 8, 10, 12, 14, 16, 18, 20);
    }

    @Test
    void localIndexQueryOrdersByTheIndexSortKey() {
        QueryResponse r = c.query(q -> q.tableName(T).indexName("byLabel").keyConditionExpression("pk = :p")
                .expressionAttributeValues(map(":p", s("a"))).limit(3));
        // labels are L(100-k): ascending label order is descending k
        assertThat(sortKeys(r.items())).containsExactly(20, 19, 18);
        assertThat(r.items().get(0)).containsKey("payload");
    }

    @Test
    void consistentReadOnAGlobalIndexIsRejected() {
        assertThatThrownBy(() -> c.query(q -> q.tableName(T).indexName("byKind").consistentRead(true)
                .keyConditionExpression("kind = :k").expressionAttributeValues(map(":k", s("odd")))))
                .isInstanceOf(DynamoDbException.class)
                .hasMessageContaining("Consistent reads are not supported on global secondary indexes");
    }

    @Test
    void queryWithoutTheHashKeyIsRejected() {
        assertThatThrownBy(() -> c.query(q -> q.tableName(T).keyConditionExpression("sk = :x")
                .expressionAttributeValues(map(":x", n(1)))))
                .isInstanceOf(DynamoDbException.class)
                .hasMessageContaining("Query condition missed key schema element: pk");
    }

    @Test
    void scanWithFilterPagesThroughTheWholeTable() {
        int total = 0;
        int matched = 0;
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> esk = start;
            ScanResponse r = c.scan(q -> q.tableName(T).limit(7).exclusiveStartKey(esk)
                    .filterExpression("begins_with(payload, :q)").expressionAttributeValues(map(":q", s("q"))));
            total += r.scannedCount();
            matched += r.count();
            start = r.hasLastEvaluatedKey() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        assertThat(total).isEqualTo(25);
        assertThat(matched).isEqualTo(5);
    }

    @Test
    void parallelScanSegmentsPartitionTheTable() {
        Set<String> seen = new HashSet<>();
        int total = 0;
        for (int seg = 0; seg < 3; seg++) {
            int segment = seg;
            for (var item : c.scanPaginator(q -> q.tableName(T).segment(segment).totalSegments(3).limit(4)).items()) {
                seen.add(item.get("pk").s() + "/" + item.get("sk").n());
                total++;
            }
        }
        assertThat(total).isEqualTo(25);
        assertThat(seen).hasSize(25);
    }

    @Test
    void scanOfAGlobalIndexSeesOnlyIndexedItems() {
        assertThat(c.scan(q -> q.tableName(T).indexName("byKind")).count()).isEqualTo(20);
    }
}
