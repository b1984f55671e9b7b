package dev.pier.standin.dynamodb;

import static dev.pier.standin.dynamodb.Dynamo.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;

class PersistenceTest {

    @TempDir
    Path dir;

    private static void withDb(Path dir, java.util.function.Consumer<DynamoDbClient> body) {
        try (LocalDynamoDb db = LocalDynamoDb.builder().dataDir(dir).build().start();
             DynamoDbClient c = client(db)) {
            body.accept(c);
        }
    }

    private static void createIndexedTable(DynamoDbClient c) {
        c.createTable(r -> r.tableName("tbl").billingMode("PAY_PER_REQUEST")
                .keySchema(KeySchemaElement.builder().attributeName("id").keyType(KeyType.HASH).build())
                .attributeDefinitions(def("id", "S"), def("g", "N"))
                .globalSecondaryIndexes(GlobalSecondaryIndex.builder().indexName("byG")
                        .keySchema(KeySchemaElement.builder().attributeName("g").keyType(KeyType.HASH).build())
                        .projection(Projection.builder().projectionType(ProjectionType.ALL).build()).build()));
    }

    @Test
    void dataTablesAndIndexesSurviveCloseAndReopen() {
        withDb(dir, c -> {
            createIndexedTable(c);
            for (int i = 0; i < 10; i++) {
                int k = i;
                c.putItem(r -> r.tableName("tbl").item(map("id", s("k" + k), "g", n(k % 2), "v", n(k))));
            }
            c.deleteItem(r -> r.tableName("tbl").key(map("id", s("k0"))));
            c.updateItem(r -> r.tableName("tbl").key(map("id", s("k1"))).updateExpression("SET v = :v")
                    .expressionAttributeValues(map(":v", s("updated"))));
        });
        withDb(dir, c -> {
            assertThat(c.describeTable(r -> r.tableName("tbl")).table().itemCount()).isEqualTo(9);
            assertThat(c.getItem(r -> r.tableName("tbl").key(map("id", s("k1")))).item().get("v")).isEqualTo(s("updated"));
            assertThat(c.getItem(r -> r.tableName("tbl").key(map("id", s("k0")))).hasItem()).isFalse();
            assertThat(c.query(r -> r.tableName("tbl").indexName("byG").keyConditionExpression("g = :g")
                    .expressionAttributeValues(map(":g", n(1)))).count()).isEqualTo(5);
        });
    }

    @Test
    void acknowledgedWritesSurviveACrashWithoutClose() throws Exception {
        LocalDynamoDb db = LocalDynamoDb.builder().dataDir(dir).build().start();
        try (DynamoDbClient c = client(db)) {
            createTable(c, "tbl", "id", "S", null, null);
            c.putItem(r -> r.tableName("tbl").item(map("id", s("a"), "v", n(1))));
            c.transactWriteItems(w -> w.transactItems(
                    x -> x.put(p -> p.tableName("tbl").item(map("id", s("b")))),
                    x -> x.delete(d -> d.tableName("tbl").key(map("id", s("a"))))));
        }
        db.crashForTesting();
        assertThat(Files.size(dir.resolve(Store.WAL))).isPositive();

        withDb(dir, c -> {
            assertThat(c.getItem(r -> r.tableName("tbl").key(map("id", s("a")))).hasItem()).isFalse();
            assertThat(c.getItem(r -> r.tableName("tbl").key(map("id", s("b")))).hasItem()).isTrue();
        });
    }

    @Test
    void tornLastLogLineIsIgnoredOnRecovery() throws Exception {
        LocalDynamoDb db = LocalDynamoDb.builder().dataDir(dir).build().start();
        try (DynamoDbClient c = client(db)) {
            createTable(c, "tbl", "id", "S", null, null);
            c.putItem(r -> r.tableName("tbl").item(map("id", s("kept"))));
        }
        db.crashForTesting();
        // a write cut short mid-line, as a kill during write(2) would leave it
        Files.writeString(dir.resolve(Store.WAL), "{\"op\":\"w\",\"m\":[{\"t\":\"tbl\",\"p\":{\"id\":{\"S\":\"tor",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        withDb(dir, c -> {
            assertThat(c.scan(r -> r.tableName("tbl")).items()).containsExactly(map("id", s("kept")));
            c.putItem(r -> r.tableName("tbl").item(map("id", s("after"))));
        });
        withDb(dir, c -> assertThat(c.scan(r -> r.tableName("tbl")).count()).isEqualTo(2));
    }

    @Test
    void corruptionBeforeTheLastLogLineFailsTheStartLoudly() throws Exception {
        LocalDynamoDb db = LocalDynamoDb.builder().dataDir(dir).build().start();
        try (DynamoDbClient c = client(db)) {
            createTable(c, "tbl", "id", "S", null, null);
        }
        db.crashForTesting();
        Files.writeString(dir.resolve(Store.WAL), "garbage\n{\"op\":\"d\",\"t\":\"tbl\"}\n", StandardOpenOption.APPEND);
        assertThatThrownBy(() -> LocalDynamoDb.builder().dataDir(dir).build().start())
                .hasMessageContaining("Corrupt record at line");
    }

    @Test
    void secondInstanceOnTheSameDataDirFailsClearly() {
        try (LocalDynamoDb first = LocalDynamoDb.builder().dataDir(dir).build().start()) {
            assertThatThrownBy(() -> LocalDynamoDb.builder().dataDir(dir).build().start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already in use by another LocalDynamoDb");
        }
        // released on close
        LocalDynamoDb.builder().dataDir(dir).build().start().close();
    }

    @Test
    void acknowledgedWritesSurviveSigkillOfTheServerProcess() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
                StandInMain.class.getName(), dir.toString(), "child-key", "child-secret").redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("PORT ")) { /* skip JVM chatter */ }
            assertThat(line).as("child server did not report its port").isNotNull();
            URI endpoint = URI.create("http://127.0.0.1:" + line.substring(5).trim());
            try (DynamoDbClient c = client(endpoint, "child-key", "child-secret")) {
                createTable(c, "tbl", "id", "S", null, null);
                for (int i = 0; i < 50; i++) {
                    int k = i;
                    c.putItem(r -> r.tableName("tbl").item(map("id", s("k" + k), "v", n(k))));
                }
                c.updateItem(r -> r.tableName("tbl").key(map("id", s("k7"))).updateExpression("ADD v :d")
                        .expressionAttributeValues(map(":d", n(100))));
            }
        } finally {
            p.destroyForcibly(); // SIGKILL on Unix
            p.waitFor(10, TimeUnit.SECONDS);
        }
        withDb(dir, c -> {
            assertThat(c.scan(r -> r.tableName("tbl")).count()).isEqualTo(50);
            assertThat(c.getItem(r -> r.tableName("tbl").key(map("id", s("k7")))).item().get("v")).isEqualTo(n(107));
        });
    }

    @Test
    void writesThatTriggerCompactionWhileRunningAreKept() throws Exception {
        LocalDynamoDb db = LocalDynamoDb.builder().dataDir(dir).compactThreshold(200).build().start();
        try (DynamoDbClient c = client(db)) {
            createTable(c, "tbl", "id", "S", null, null);
            for (int i = 0; i < 30; i++) {
                int k = i;
                c.putItem(r -> r.tableName("tbl").item(map("id", s("k" + k), "pad", s("x".repeat(50)))));
            }
        }
        db.crashForTesting();
        withDb(dir, c -> assertThat(c.scan(r -> r.tableName("tbl")).count()).isEqualTo(30));
    }

    @Test
    void aGrowingStoreIsRewrittenOnlyOnceItsLogIsAsLargeAsItsSnapshot() throws Exception {
        LocalDynamoDb db = LocalDynamoDb.builder().dataDir(dir).compactThreshold(200).build().start();
        long largestLog = 0;
        try (DynamoDbClient c = client(db)) {
            createTable(c, "tbl", "id", "S", null, null);
            for (int i = 0; i < 60; i++) {
                int k = i;
                c.putItem(r -> r.tableName("tbl").item(map("id", s("k" + k), "pad", s("x".repeat(50)))));
                largestLog = Math.max(largestLog, java.nio.file.Files.size(dir.resolve(Store.WAL)));
            }
            c.putItem(r -> r.tableName("tbl").item(map("id", s("k0"), "pad", s("y".repeat(50)))));
        }
        // 60 items of ~90 bytes: with a fixed 200-byte threshold every third write rewrote the whole store and the log
        // never passed ~300 bytes; now it grows as large as the last snapshot before the next rewrite
        assertThat(largestLog).isGreaterThan(1_500);
        db.crashForTesting();
        withDb(dir, c -> {
            assertThat(c.scan(r -> r.tableName("tbl")).count()).isEqualTo(60);
            assertThat(c.getItem(r -> r.tableName("tbl").key(map("id", s("k0")))).item().get("pad").s())
                .isEqualTo("y".repeat(50));
        });
    }
}
