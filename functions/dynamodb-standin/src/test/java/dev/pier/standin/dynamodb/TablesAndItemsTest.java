package dev.pier.standin.dynamodb;

import static dev.pier.standin.dynamodb.Dynamo.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.IndexStatus;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.LocalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughput;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;

class TablesAndItemsTest {

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

    @Test
    void endpointIsLoopbackWithTheBoundPort() {
        assertThat(db.endpoint().toString()).isEqualTo("http://127.0.0.1:" + db.port());
        assertThat(db.port()).isPositive();
    }

    @Test
    void createdTableIsActiveAtOnceAndDescribesIndexes() {
        String name = uniqueTable("idx");
        c.createTable(CreateTableRequest.builder().tableName(name)
                .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build(),
                        KeySchemaElement.builder().attributeName("sk").keyType(KeyType.RANGE).build())
                .attributeDefinitions(def("pk", "S"), def("sk", "N"), def("g", "S"), def("l", "B"))
                .provisionedThroughput(ProvisionedThroughput.builder().readCapacityUnits(5L).writeCapacityUnits(5L).build())
                .globalSecondaryIndexes(GlobalSecondaryIndex.builder().indexName("byG")
                        .keySchema(KeySchemaElement.builder().attributeName("g").keyType(KeyType.HASH).build())
                        .projection(Projection.builder().projectionType(ProjectionType.INCLUDE).nonKeyAttributes("x").build())
                        .provisionedThroughput(ProvisionedThroughput.builder().readCapacityUnits(1L).writeCapacityUnits(1L).build())
                        .build())
                .localSecondaryIndexes(LocalSecondaryIndex.builder().indexName("byL")
                        .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build(),
                                KeySchemaElement.builder().attributeName("l").keyType(KeyType.RANGE).build())
                        .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build())
                        .build())
                .build());
        c.putItem(r -> r.tableName(name).item(map("pk", s("a"), "sk", n(1), "g", s("x"))));

        TableDescription t = c.describeTable(r -> r.tableName(name)).table();

        assertThat(t.tableStatus()).isEqualTo(TableStatus.ACTIVE);
        assertThat(t.itemCount()).isEqualTo(1);
        assertThat(t.tableArn()).endsWith(":table/" + name);
        assertThat(t.globalSecondaryIndexes()).singleElement().satisfies(g -> {
            assertThat(g.indexName()).isEqualTo("byG");
            assertThat(g.indexStatus()).isEqualTo(IndexStatus.ACTIVE);
            assertThat(g.itemCount()).isEqualTo(1);
            assertThat(g.projection().nonKeyAttributes()).containsExactly("x");
        });
        assertThat(t.localSecondaryIndexes()).singleElement().satisfies(l -> {
            assertThat(l.indexName()).isEqualTo("byL");
            assertThat(l.itemCount()).isZero();
        });
        c.waiter().waitUntilTableExists(r -> r.tableName(name));
    }

    @Test
    void creatingAnExistingTableFailsWithResourceInUse() {
        String name = createTable(c, uniqueTable("dup"), "id", "S", null, null);
        assertThatThrownBy(() -> createTable(c, name, "id", "S", null, null))
                .isInstanceOf(ResourceInUseException.class);
    }

    @Test
    void listTablesPagesInNameOrder() {
        String a = createTable(c, "zz-list-a", "id", "S", null, null);
        String b = createTable(c, "zz-list-b", "id", "S", null, null);
        var first = c.listTables(r -> r.exclusiveStartTableName("zz-list-").limit(1));
        assertThat(first.tableNames()).containsExactly(a);
        assertThat(first.lastEvaluatedTableName()).isEqualTo(a);
        var second = c.listTables(r -> r.exclusiveStartTableName(a).limit(1));
        assertThat(second.tableNames()).containsExactly(b);
        assertThat(second.lastEvaluatedTableName()).isNull();
    }

    @Test
    void deletedTableIsGoneAndItsOperationsFailWithResourceNotFound() {
        String name = createTable(c, uniqueTable("del"), "id", "S", null, null);
        c.deleteTable(r -> r.tableName(name));
        assertThatThrownBy(() -> c.describeTable(r -> r.tableName(name))).isInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() -> c.getItem(r -> r.tableName(name).key(map("id", s("x")))))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void putThenGetRoundTripsEveryAttributeType() {
        String name = createTable(c, uniqueTable("types"), "id", "S", null, null);
        Map<String, AttributeValue> item = map(
                "id", s("k"),
                "s", s("héllo 🌊"),
                "n", n("-12.50"),
                "b", AttributeValue.fromB(SdkBytes.fromString("bin", StandardCharsets.UTF_8)),
                "bool", AttributeValue.fromBool(true),
                "null", AttributeValue.fromNul(true),
                "m", m("x", l(n(1), s("two")), "y", m("z", AttributeValue.fromBool(false))),
                "ss", ss("a", "b"),
                "ns", ns("1", "2.5"),
                "bs", AttributeValue.fromBs(List.of(SdkBytes.fromByteArray(new byte[] {1, 2}))));
        c.putItem(r -> r.tableName(name).item(item));

        Map<String, AttributeValue> got = c.getItem(r -> r.tableName(name).key(map("id", s("k"))).consistentRead(true)).item();

        assertThat(got).hasSize(item.size());
        assertThat(got.get("s").s()).isEqualTo("héllo 🌊");
        assertThat(got.get("n").n()).isEqualTo("-12.5");
        assertThat(got.get("b").b().asUtf8String()).isEqualTo("bin");
        assertThat(got.get("bool").bool()).isTrue();
        assertThat(got.get("null").nul()).isTrue();
        assertThat(got.get("m")).isEqualTo(item.get("m"));
        assertThat(got.get("ss").ss()).containsExactlyInAnyOrder("a", "b");
        assertThat(got.get("ns").ns()).containsExactlyInAnyOrder("1", "2.5");
        assertThat(got.get("bs").bs()).containsExactly(SdkBytes.fromByteArray(new byte[] {1, 2}));
    }

    @Test
    void getOfAMissingItemReturnsNoItem() {
        String name = createTable(c, uniqueTable("miss"), "id", "S", null, null);
        assertThat(c.getItem(r -> r.tableName(name).key(map("id", s("nope")))).hasItem()).isFalse();
    }

    @Test
    void getWithProjectionReturnsOnlyThosePaths() {
        String name = createTable(c, uniqueTable("proj"), "id", "S", null, null);
        c.putItem(r -> r.tableName(name).item(map("id", s("1"), "a", n(1), "b", m("c", s("x"), "d", s("y")),
                "lst", l(s("l0"), s("l1"), s("l2")), "#weird", s("w"))));
        Map<String, AttributeValue> got = c.getItem(r -> r.tableName(name).key(map("id", s("1")))
                .projectionExpression("a, b.d, lst[2], lst[0], #w")
                .expressionAttributeNames(names("#w", "#weird"))).item();
        assertThat(got).isEqualTo(map("a", n(1), "b", m("d", s("y")), "lst", l(s("l0"), s("l2")), "#weird", s("w")));
    }

    @Test
    void conditionalPutFailsWhenItemExists() {
        String name = createTable(c, uniqueTable("cond"), "id", "S", null, null);
        c.putItem(r -> r.tableName(name).item(map("id", s("1"), "v", n(1))).conditionExpression("attribute_not_exists(id)"));
        assertThatThrownBy(() -> c.putItem(r -> r.tableName(name).item(map("id", s("1"), "v", n(2)))
                .conditionExpression("attribute_not_exists(id)")))
                .isInstanceOf(ConditionalCheckFailedException.class)
                .hasMessageContaining("The conditional request failed");
        assertThat(c.getItem(r -> r.tableName(name).key(map("id", s("1")))).item().get("v")).isEqualTo(n(1));
    }

    @Test
    void failedConditionReturnsTheOldItemWhenAsked() {
        String name = createTable(c, uniqueTable("cond"), "id", "S", null, null);
        c.putItem(r -> r.tableName(name).item(map("id", s("1"), "v", n(1))));
        assertThatThrownBy(() -> c.deleteItem(r -> r.tableName(name).key(map("id", s("1")))
                .conditionExpression("v = :two").expressionAttributeValues(map(":two", n(2)))
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)))
                .isInstanceOfSatisfying(ConditionalCheckFailedException.class,
                        e -> assertThat(e.item()).isEqualTo(map("id", s("1"), "v", n(1))));
    }

    @Test
    void putAndDeleteReturnTheOldItemWhenAsked() {
        String name = createTable(c, uniqueTable("rv"), "id", "S", null, null);
        assertThat(c.putItem(r -> r.tableName(name).item(map("id", s("1"), "v", n(1))).returnValues(ReturnValue.ALL_OLD))
                .hasAttributes()).isFalse();
        assertThat(c.putItem(r -> r.tableName(name).item(map("id", s("1"), "v", n(2))).returnValues(ReturnValue.ALL_OLD))
                .attributes()).isEqualTo(map("id", s("1"), "v", n(1)));
        assertThat(c.deleteItem(r -> r.tableName(name).key(map("id", s("1"))).returnValues(ReturnValue.ALL_OLD))
                .attributes()).isEqualTo(map("id", s("1"), "v", n(2)));
        assertThat(c.getItem(r -> r.tableName(name).key(map("id", s("1")))).hasItem()).isFalse();
    }

    @Test
    void updateCreatesAMissingItemAndReturnsTheRequestedImage() {
        String name = createTable(c, uniqueTable("upd"), "pk", "S", "sk", "N");
        var created = c.updateItem(r -> r.tableName(name).key(map("pk", s("a"), "sk", n(1)))
                .updateExpression("SET v = :v, w = :w").expressionAttributeValues(map(":v", n(1), ":w", s("x")))
                .returnValues(ReturnValue.ALL_NEW));
        assertThat(created.attributes()).isEqualTo(map("pk", s("a"), "sk", n(1), "v", n(1), "w", s("x")));

        var updatedOld = c.updateItem(r -> r.tableName(name).key(map("pk", s("a"), "sk", n(1)))
                .updateExpression("SET v = v + :one REMOVE w").expressionAttributeValues(map(":one", n(1)))
                .returnValues(ReturnValue.UPDATED_OLD));
        assertThat(updatedOld.attributes()).isEqualTo(map("v", n(1), "w", s("x")));

        var updatedNew = c.updateItem(r -> r.tableName(name).key(map("pk", s("a"), "sk", n(1)))
                .updateExpression("SET v = v + :one").expressionAttributeValues(map(":one", n(1)))
                .returnValues(ReturnValue.UPDATED_NEW));
        assertThat(updatedNew.attributes()).isEqualTo(map("v", n(3)));

        var allOld = c.updateItem(r -> r.tableName(name).key(map("pk", s("a"), "sk", n(1)))
                .updateExpression("SET z = :one").expressionAttributeValues(map(":one", n(1)))
                .returnValues(ReturnValue.ALL_OLD));
        assertThat(allOld.attributes()).isEqualTo(map("pk", s("a"), "sk", n(1), "v", n(3)));
    }

    @Test
    void numbersAreComparedNumerically() {
        String name = createTable(c, uniqueTable("num"), "id", "S", null, null);
        c.putItem(r -> r.tableName(name).item(map("id", s("1"), "v", n("100.0"))));
        // 1e2 equals 100.0 and 99.99999999999999999999999999 is less, beyond double precision
        c.putItem(r -> r.tableName(name).item(map("id", s("1"), "v", n("1E2")))
                .conditionExpression("v = :a AND v > :b")
                .expressionAttributeValues(map(":a", n("100"), ":b", n("99.99999999999999999999999999"))));
        assertThat(c.getItem(r -> r.tableName(name).key(map("id", s("1")))).item().get("v").n()).isEqualTo("100");
    }

    @Test
    void returnsConsumedCapacityWhenAsked() {
        String name = createTable(c, uniqueTable("cap"), "id", "S", null, null);
        var resp = c.putItem(r -> r.tableName(name).item(map("id", s("1"))).returnConsumedCapacity("TOTAL"));
        assertThat(resp.consumedCapacity().tableName()).isEqualTo(name);
    }

    @Test
    void tagsAreStoredAndListed() {
        String name = createTable(c, uniqueTable("tags"), "id", "S", null, null);
        String arn = c.describeTable(r -> r.tableName(name)).table().tableArn();
        c.tagResource(r -> r.resourceArn(arn).tags(t -> t.key("team").value("pier")));
        assertThat(c.listTagsOfResource(r -> r.resourceArn(arn)).tags()).singleElement()
                .satisfies(t -> assertThat(t.value()).isEqualTo("pier"));
        c.untagResource(r -> r.resourceArn(arn).tagKeys("team"));
        assertThat(c.listTagsOfResource(r -> r.resourceArn(arn)).tags()).isEmpty();
    }

    @Test
    void unknownErrorsDoNotLeakAsServerErrors() {
        assertThatThrownBy(() -> c.getItem(r -> r.tableName("x").key(map("id", s("1")))))
                .isInstanceOf(DynamoDbException.class)
                .satisfies(e -> assertThat(((DynamoDbException) e).statusCode()).isEqualTo(400));
    }

    @Test
    void updateTableAddsABackfilledGlobalIndexAndRemovesIt() {
        String name = createTable(c, uniqueTable("ut"), "id", "S", null, null);
        for (int i = 0; i < 4; i++) {
            int k = i;
            c.putItem(r -> r.tableName(name).item(map("id", s("k" + k), "color", s(k % 2 == 0 ? "red" : "blue"))));
        }
        c.updateTable(r -> r.tableName(name).attributeDefinitions(def("color", "S"))
                .globalSecondaryIndexUpdates(u -> u.create(g -> g.indexName("byColor")
                        .keySchema(KeySchemaElement.builder().attributeName("color").keyType(KeyType.HASH).build())
                        .projection(p -> p.projectionType(ProjectionType.ALL)))));
        assertThat(c.query(r -> r.tableName(name).indexName("byColor").keyConditionExpression("color = :c")
                .expressionAttributeValues(map(":c", s("red")))).count()).isEqualTo(2);

        c.updateTable(r -> r.tableName(name).globalSecondaryIndexUpdates(u -> u.delete(d -> d.indexName("byColor"))));
        TableDescription t = c.describeTable(r -> r.tableName(name)).table();
        assertThat(t.hasGlobalSecondaryIndexes()).isFalse();
        assertThat(t.attributeDefinitions()).extracting(a -> a.attributeName()).containsExactly("id");
    }

    @Test
    void createTableWithAnUndefinedKeyAttributeIsRejected() {
        assertThatThrownBy(() -> c.createTable(r -> r.tableName(uniqueTable("bad")).billingMode("PAY_PER_REQUEST")
                .keySchema(KeySchemaElement.builder().attributeName("id").keyType(KeyType.HASH).build())
                .attributeDefinitions(def("other", "S"))))
                .isInstanceOf(DynamoDbException.class)
                .hasMessageContaining("Some index key attributes are not defined in AttributeDefinitions");
    }

    @Test
    void deletionProtectedTablesCannotBeDeleted() {
        String name = uniqueTable("prot");
        c.createTable(r -> r.tableName(name).billingMode("PAY_PER_REQUEST").deletionProtectionEnabled(true)
                .keySchema(KeySchemaElement.builder().attributeName("id").keyType(KeyType.HASH).build())
                .attributeDefinitions(def("id", "S")));
        assertThatThrownBy(() -> c.deleteTable(r -> r.tableName(name))).isInstanceOf(DynamoDbException.class)
                .hasMessageContaining("protected against deletion");
        c.updateTable(r -> r.tableName(name).deletionProtectionEnabled(false));
        c.deleteTable(r -> r.tableName(name));
    }
}
