package dev.pier.standin.dynamodb;

import static dev.pier.standin.dynamodb.Dynamo.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

class TimeToLiveTest {

    @Test
    void expiredItemsAreDeletedByTheSweeperAndLiveOnesKept() throws Exception {
        try (LocalDynamoDb db = LocalDynamoDb.builder().ttlSweepInterval(Duration.ofMillis(100)).build().start();
             DynamoDbClient c = client(db)) {
            String t = createTable(c, "ttl", "id", "S", null, null);
            assertThat(c.describeTimeToLive(r -> r.tableName(t)).timeToLiveDescription().timeToLiveStatus())
                    .isEqualTo(TimeToLiveStatus.DISABLED);
            c.updateTimeToLive(r -> r.tableName(t).timeToLiveSpecification(s -> s.attributeName("expires").enabled(true)));
            assertThat(c.describeTimeToLive(r -> r.tableName(t)).timeToLiveDescription())
                    .satisfies(d -> {
                        assertThat(d.timeToLiveStatus()).isEqualTo(TimeToLiveStatus.ENABLED);
                        assertThat(d.attributeName()).isEqualTo("expires");
                    });
            long now = System.currentTimeMillis() / 1000;
            c.putItem(r -> r.tableName(t).item(map("id", s("past"), "expires", n(now - 10))));
            c.putItem(r -> r.tableName(t).item(map("id", s("future"), "expires", n(now + 3600))));
            c.putItem(r -> r.tableName(t).item(map("id", s("soon"), "expires", n(now + 1))));
            c.putItem(r -> r.tableName(t).item(map("id", s("text"), "expires", s("not a number"))));
            c.putItem(r -> r.tableName(t).item(map("id", s("none"))));

            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (c.scan(r -> r.tableName(t)).count() > 3 && System.nanoTime() < deadline) Thread.sleep(50);

            assertThat(c.scan(r -> r.tableName(t)).items()).extracting(i -> i.get("id").s())
                    .containsExactlyInAnyOrder("future", "text", "none");
        }
    }

    @Test
    void theSweepFollowsItemsWrittenBeforeTtlWasEnabledAndTtlsRewrittenLater() throws Exception {
        try (LocalDynamoDb db = LocalDynamoDb.builder().ttlSweepInterval(Duration.ofMillis(100)).build().start();
             DynamoDbClient c = client(db)) {
            String t = createTable(c, "ttl2", "pk", "S", "sk", "N");
            long now = System.currentTimeMillis() / 1000;
            c.putItem(r -> r.tableName(t).item(map("pk", s("a"), "sk", n(1), "expires", n(now - 10))));
            c.putItem(r -> r.tableName(t).item(map("pk", s("a"), "sk", n(2), "expires", n(now - 10))));
            c.putItem(r -> r.tableName(t).item(map("pk", s("b"), "sk", n(1), "expires", n(now - 6L * 365 * 24 * 3600))));
            c.putItem(r -> r.tableName(t).item(map("pk", s("b"), "sk", n(2), "expires", n(now - 20))));
            // rewritten to the future before TTL is on: the sweep must see the new value, not the first one
            c.putItem(r -> r.tableName(t).item(map("pk", s("a"), "sk", n(2), "expires", n(now + 3600))));
            Thread.sleep(300); // TTL still off: nothing goes
            assertThat(c.scan(r -> r.tableName(t)).count()).isEqualTo(4);

            c.updateTimeToLive(r -> r.tableName(t).timeToLiveSpecification(s -> s.attributeName("expires").enabled(true)));
            // rewritten to the past after TTL is on, and one deleted by hand
            c.putItem(r -> r.tableName(t).item(map("pk", s("c"), "sk", n(1), "expires", n(now + 3600))));
            c.putItem(r -> r.tableName(t).item(map("pk", s("c"), "sk", n(1), "expires", n(now - 30))));
            c.deleteItem(r -> r.tableName(t).key(map("pk", s("b"), "sk", n(2))));

            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (c.scan(r -> r.tableName(t)).count() > 2 && System.nanoTime() < deadline) Thread.sleep(50);

            // more than five years past is never deleted (as DynamoDB); a future one stays
            assertThat(c.scan(r -> r.tableName(t)).items()).extracting(i -> i.get("pk").s() + i.get("sk").n())
                    .containsExactlyInAnyOrder("a2", "b1");
        }
    }
}
