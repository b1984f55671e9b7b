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
}
