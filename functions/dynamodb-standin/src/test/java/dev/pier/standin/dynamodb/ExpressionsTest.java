package dev.pier.standin.dynamodb;

import static dev.pier.standin.dynamodb.Dynamo.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;

class ExpressionsTest {

    static LocalDynamoDb db;
    static DynamoDbClient c;
    static String table;

    @BeforeAll
    static void start() {
        db = LocalDynamoDb.builder().build().start();
        c = client(db);
        table = createTable(c, "expr", "id", "S", null, null);
    }

    @AfterAll
    static void stop() {
        c.close();
        db.close();
    }

    @BeforeEach
    void seed() {
        c.putItem(r -> r.tableName(table).item(map(
                "id", s("x"),
                "name1", s("alpha"),
                "count1", n(5),
                "flag", AttributeValue.fromBool(true),
                "tags", ss("red", "blue"),
                "nums", ns("1", "2"),
                "lst", l(s("a"), n(2), m("k", s("v"))),
                "doc", m("inr", m("deep", n(7)), "arr", l(n(1), n(2), n(3))),
                "nothing", AttributeValue.fromNul(true))));
    }

    private boolean holds(String condition, Map<String, AttributeValue> values) {
        try {
            c.putItem(r -> {
                r.tableName(table).item(item()).conditionExpression(condition);
                if (condition.contains("#n")) r.expressionAttributeNames(names("#n", "name1"));
                if (!values.isEmpty()) r.expressionAttributeValues(values);
            });
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    private Map<String, AttributeValue> item() {
        return c.getItem(r -> r.tableName(table).key(map("id", s("x")))).item();
    }

    private Map<String, AttributeValue> update(String expression, Map<String, AttributeValue> values) {
        c.updateItem(r -> {
            r.tableName(table).key(map("id", s("x"))).updateExpression(expression);
            if (!values.isEmpty()) r.expressionAttributeValues(values);
        });
        return item();
    }

    private String validationMessage(Runnable call) {
        try {
            call.run();
        } catch (DynamoDbException e) {
            assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException");
            return e.awsErrorDetails().errorMessage();
        }
        throw new AssertionError("expected a ValidationException");
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource(delimiter = '|', value = {
            "#n = :s                                   | true",
            "#n <> :s                                  | false",
            "count1 < :five                            | false",
            "count1 <= :five                           | true",
            "count1 > :four                            | true",
            "count1 >= :six                            | false",
            "count1 BETWEEN :four AND :six             | true",
            "count1 IN (:four, :five)                  | true",
            "#n IN (:four, :t)                         | false",
            "attribute_exists(doc.inr.deep)          | true",
            "attribute_not_exists(doc.inr.nope)      | true",
            "attribute_exists(lst[2].k)                | true",
            "attribute_exists(lst[3])                  | false",
            "attribute_type(tags, :ss)                 | true",
            "attribute_type(nothing, :ss)              | false",
            "begins_with(#n, :al)                      | true",
            "contains(#n, :ph)                         | true",
            "contains(tags, :red)                      | true",
            "contains(nums, :two)                      | true",
            "contains(lst, :a)                         | true",
            "size(tags) = :two                         | true",
            "size(#n) > :four                          | true",
            "doc.arr[1] = :two                         | true",
            "doc.inr.deep = :seven AND flag = :true  | true",
            "NOT (flag = :true) OR count1 = :four      | false",
            "(flag = :true OR count1 = :four) AND NOT attribute_exists(absent) | true",
            "absent <> :four                          | true",
            "absent < :four                           | false",
            "#n < :five                                | false",
    })
    void conditionEvaluates(String condition, boolean expected) {
        Map<String, AttributeValue> all = map(":s", s("alpha"), ":five", n(5), ":four", n("4.0"), ":six", n(6),
                ":t", s("t"), ":ss", s("SS"), ":al", s("al"), ":ph", s("ph"), ":red", s("red"), ":two", n(2),
                ":a", s("a"), ":seven", n(7), ":true", AttributeValue.fromBool(true));
        Map<String, AttributeValue> used = new java.util.LinkedHashMap<>();
        all.forEach((k, v) -> {
            if (java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(k) + "\\b").matcher(condition).find()) used.put(k, v);
        });
        assertThat(holds(condition.replace("#n", "#n"), used)).isEqualTo(expected);
    }

    @Test
    void setArithmeticAndIfNotExistsAndListAppend() {
        Map<String, AttributeValue> it = update(
                "SET count1 = count1 - :one, newc = if_not_exists(newc, :ten) + :one, lst = list_append(lst, :more), "
                        + "name1 = if_not_exists(name1, :z)",
                map(":one", n(1), ":ten", n(10), ":more", l(s("b")), ":z", s("zzz")));
        assertThat(it.get("count1")).isEqualTo(n(4));
        assertThat(it.get("newc")).isEqualTo(n(11));
        assertThat(it.get("lst").l()).hasSize(4).last().isEqualTo(s("b"));
        assertThat(it.get("name1")).isEqualTo(s("alpha"));
    }

    @Test
    void setRightHandSidesSeeTheOldItem() {
        Map<String, AttributeValue> it = update("SET name1 = count1, count1 = name1", Map.of());
        assertThat(it.get("name1")).isEqualTo(n(5));
        assertThat(it.get("count1")).isEqualTo(s("alpha"));
    }

    @Test
    void setAndRemoveNestedPathsAndListElements() {
        Map<String, AttributeValue> it = update("SET doc.inr.added = :v, doc.arr[1] = :v, doc.arr[10] = :w REMOVE lst[0], lst[1]",
                map(":v", s("new"), ":w", s("end")));
        assertThat(it.get("doc").m().get("inr").m().get("added")).isEqualTo(s("new"));
        assertThat(it.get("doc").m().get("arr")).isEqualTo(l(n(1), s("new"), n(3), s("end")));
        assertThat(it.get("lst")).isEqualTo(l(m("k", s("v"))));
    }

    @Test
    void addAndDeleteWorkOnNumbersAndSets() {
        update("DELETE tags :red", map(":red", ss("red")));
        Map<String, AttributeValue> it = update("ADD count1 :two, fresh :two, tags :green, nums :three",
                map(":two", n(2), ":green", ss("green"), ":three", ns("3")));
        assertThat(it.get("count1")).isEqualTo(n(7));
        assertThat(it.get("fresh")).isEqualTo(n(2));
        assertThat(it.get("tags").ss()).containsExactlyInAnyOrder("blue", "green");
        assertThat(it.get("nums").ns()).containsExactlyInAnyOrder("1", "2", "3");
        it = update("DELETE tags :all", map(":all", ss("blue", "green")));
        assertThat(it).doesNotContainKey("tags");
    }

    @Test
    void settingANestedPathUnderAMissingParentIsRejected() {
        assertThat(validationMessage(() -> update("SET nope.deeper = :v", map(":v", n(1)))))
                .isEqualTo("The document path provided in the update expression is invalid for update");
    }

    @Test
    void arithmeticOnAStringIsRejected() {
        assertThat(validationMessage(() -> update("SET name1 = name1 + :v", map(":v", n(1)))))
                .isEqualTo("An operand in the update expression has an incorrect data type");
    }

    @Test
    void syntaxErrorsNameTheToken() {
        assertThat(validationMessage(() -> holds("count1 = = :v", map(":v", n(1)))))
                .startsWith("Invalid ConditionExpression: Syntax error; token: \"=\"");
        assertThat(validationMessage(() -> update("SET count1 :v", map(":v", n(1)))))
                .startsWith("Invalid UpdateExpression: Syntax error; token: \":v\"");
    }

    @Test
    void undefinedAndUnusedNamesAndValuesAreRejected() {
        assertThat(validationMessage(() -> update("SET count1 = :nope", map(":v", n(1)))))
                .isEqualTo("Invalid UpdateExpression: An expression attribute value used in expression is not defined; "
                        + "attribute value: :nope");
        assertThat(validationMessage(() -> c.updateItem(r -> r.tableName(table).key(map("id", s("x")))
                .updateExpression("SET #missing = :v").expressionAttributeValues(map(":v", n(1))))))
                .isEqualTo("Invalid UpdateExpression: An expression attribute name used in the document path is not defined; "
                        + "attribute name: #missing");
        assertThat(validationMessage(() -> update("SET count1 = :v", map(":v", n(1), ":extra", n(2)))))
                .isEqualTo("Value provided in ExpressionAttributeValues unused in expressions: keys: {:extra}");
        assertThat(validationMessage(() -> c.getItem(r -> r.tableName(table).key(map("id", s("x")))
                .expressionAttributeNames(names("#a", "a")).projectionExpression("id"))))
                .isEqualTo("Value provided in ExpressionAttributeNames unused in expressions: keys: {#a}");
    }

    @Test
    void reservedWordsMustBeAliased() {
        assertThat(validationMessage(() -> update("SET status = :v", map(":v", n(1)))))
                .isEqualTo("Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status");
    }

    @Test
    void keyAttributesCannotBeUpdated() {
        assertThat(validationMessage(() -> update("SET id = :v", map(":v", s("y")))))
                .isEqualTo("One or more parameter values were invalid: Cannot update attribute id. This attribute is part of the key");
    }

    @Test
    void overlappingUpdatePathsAreRejected() {
        assertThat(validationMessage(() -> update("SET doc.inr = :v REMOVE doc", map(":v", n(1)))))
                .contains("Two document paths overlap with each other");
    }

    @Test
    void wrongKeyTypesAreRejected() {
        assertThat(validationMessage(() -> c.getItem(r -> r.tableName(table).key(map("id", n(1))))))
                .isEqualTo("The provided key element does not match the schema");
        assertThat(validationMessage(() -> c.putItem(r -> r.tableName(table).item(map("id", n(1))))))
                .isEqualTo("One or more parameter values were invalid: Type mismatch for key id expected: S actual: N");
        assertThat(validationMessage(() -> c.putItem(r -> r.tableName(table).item(map("other", n(1))))))
                .isEqualTo("One or more parameter values were invalid: Missing the key id in the item");
    }

    @Test
    void itemsOverFourHundredKilobytesAreRejected() {
        String big = "x".repeat(401 * 1024);
        assertThat(validationMessage(() -> c.putItem(r -> r.tableName(table).item(map("id", s("big"), "v", s(big))))))
                .isEqualTo("Item size has exceeded the maximum allowed size");
    }

    @Test
    void betweenWithReversedBoundsIsRejected() {
        assertThat(validationMessage(() -> holds("count1 BETWEEN :hi AND :lo", map(":hi", n(9), ":lo", n(1)))))
                .contains("The BETWEEN operator requires upper bound to be greater than or equal to lower bound");
    }

    @Test
    void unknownFunctionsAreRejected() {
        assertThat(validationMessage(() -> holds("nosuch(count1)", Map.of())))
                .isEqualTo("Invalid ConditionExpression: Invalid function name; function: nosuch");
    }
}
