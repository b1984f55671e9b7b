package dev.pier.standin.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbEnhancedClient;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbIndex;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbTable;
import software.amazon.awssdk.enhanced.dynamodb.Expression;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.TableSchema;
import software.amazon.awssdk.enhanced.dynamodb.model.CreateTableEnhancedRequest;
import software.amazon.awssdk.enhanced.dynamodb.model.EnhancedGlobalSecondaryIndex;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional;
import software.amazon.awssdk.enhanced.dynamodb.model.TransactWriteItemsEnhancedRequest;
import software.amazon.awssdk.enhanced.dynamodb.model.UpdateItemEnhancedRequest;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;

import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primaryPartitionKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primarySortKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.secondaryPartitionKey;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnhancedClientTest {

    /** A mutable bean mapped with a static schema (no reflection or annotations needed). */
    public static final class Model {
        private String name;
        private Integer version;
        private String stage;
        private List<String> tags;
        private Long counter;

        public String getName() { return name; }
        public void setName(String v) { name = v; }
        public Integer getVersion() { return version; }
        public void setVersion(Integer v) { version = v; }
        public String getStage() { return stage; }
        public void setStage(String v) { stage = v; }
        public List<String> getTags() { return tags; }
        public void setTags(List<String> v) { tags = v; }
        public Long getCounter() { return counter; }
        public void setCounter(Long v) { counter = v; }
    }

    static final TableSchema<Model> SCHEMA = TableSchema.builder(Model.class)
            .newItemSupplier(Model::new)
            .addAttribute(String.class, a -> a.name("name").getter(Model::getName).setter(Model::setName).tags(primaryPartitionKey()))
            .addAttribute(Integer.class, a -> a.name("version").getter(Model::getVersion).setter(Model::setVersion).tags(primarySortKey()))
            .addAttribute(String.class, a -> a.name("stage").getter(Model::getStage).setter(Model::setStage)
                    .tags(secondaryPartitionKey("byStage")))
            .addAttribute(software.amazon.awssdk.enhanced.dynamodb.EnhancedType.listOf(String.class),
                    a -> a.name("tags").getter(Model::getTags).setter(Model::setTags))
            .addAttribute(Long.class, a -> a.name("counter").getter(Model::getCounter).setter(Model::setCounter))
            .build();

    static Model model(String name, int version, String stage) {
        Model m = new Model();
        m.setName(name);
        m.setVersion(version);
        m.setStage(stage);
        m.setTags(List.of("a", "b"));
        m.setCounter(0L);
        return m;
    }

    @Test
    void enhancedClientRoundTripsATableSchema() {
        try (LocalDynamoDb db = LocalDynamoDb.builder().build().start();
             DynamoDbClient low = Dynamo.client(db)) {
            DynamoDbEnhancedClient enhanced = DynamoDbEnhancedClient.builder().dynamoDbClient(low).build();
            DynamoDbTable<Model> table = enhanced.table("models", SCHEMA);
            table.createTable(CreateTableEnhancedRequest.builder()
                    .globalSecondaryIndices(EnhancedGlobalSecondaryIndex.builder().indexName("byStage")
                            .projection(Projection.builder().projectionType(ProjectionType.ALL).build()).build())
                    .build());

            table.putItem(model("churn", 1, "archived"));
            table.putItem(model("churn", 2, "production"));
            table.putItem(model("fraud", 1, "production"));

            Model got = table.getItem(Key.builder().partitionValue("churn").sortValue(2).build());
            assertThat(got.getStage()).isEqualTo("production");
            assertThat(got.getTags()).containsExactly("a", "b");

            List<Integer> versions = table.query(QueryConditional.sortGreaterThanOrEqualTo(
                            Key.builder().partitionValue("churn").sortValue(1).build()))
                    .items().stream().map(Model::getVersion).toList();
            assertThat(versions).containsExactly(1, 2);

            DynamoDbIndex<Model> byStage = table.index("byStage");
            List<String> inProduction = byStage.query(QueryConditional.keyEqualTo(Key.builder().partitionValue("production").build()))
                    .stream().flatMap(p -> p.items().stream()).map(Model::getName).sorted().toList();
            assertThat(inProduction).containsExactly("churn", "fraud");

            Model patch = new Model();
            patch.setName("fraud");
            patch.setVersion(1);
            patch.setCounter(5L);
            Model updated = table.updateItem(UpdateItemEnhancedRequest.builder(Model.class).item(patch).ignoreNulls(true).build());
            assertThat(updated.getCounter()).isEqualTo(5L);
            assertThat(updated.getStage()).isEqualTo("production");

            assertThatThrownBy(() -> table.putItem(r -> r.item(model("fraud", 1, "x"))
                    .conditionExpression(Expression.builder().expression("attribute_not_exists(#n)")
                            .putExpressionName("#n", "name").build())))
                    .isInstanceOf(ConditionalCheckFailedException.class);

            enhanced.transactWriteItems(TransactWriteItemsEnhancedRequest.builder()
                    .addPutItem(table, model("fresh", 1, "staging"))
                    .addDeleteItem(table, Key.builder().partitionValue("churn").sortValue(1).build())
                    .build());
            assertThat(table.scan().items().stream().map(m -> m.getName() + "/" + m.getVersion()).sorted().toList())
                    .containsExactly("churn/2", "fraud/1", "fresh/1");

            table.deleteTable();
        }
    }
}
