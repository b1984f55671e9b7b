package dev.pier.standin.dynamodb;

import static dev.pier.standin.dynamodb.Dynamo.map;
import static dev.pier.standin.dynamodb.Dynamo.n;
import static dev.pier.standin.dynamodb.Dynamo.s;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;

class InProcessHttpClientTest {

    private static DynamoDbClient inProcess(LocalDynamoDb db, String keyId, String secret) {
        return DynamoDbClient.builder()
                .endpointOverride(db.endpoint())
                .region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(keyId, secret)))
                .httpClient(db.inProcessHttpClient())
                .overrideConfiguration(o -> o.retryStrategy(b -> b.maxAttempts(1)))
                .build();
    }

    @Test
    void aWriteThroughTheInProcessClientIsReadBackOverHttpWithTheSameProjection() {
        try (LocalDynamoDb db = LocalDynamoDb.builder().build().start();
                DynamoDbClient memory = inProcess(db, db.accessKeyId(), db.secretAccessKey());
                DynamoDbClient http = Dynamo.client(db)) {
            String table = Dynamo.createTable(memory, Dynamo.uniqueTable("inproc"), "k", "S", null, null);
            memory.putItem(b -> b.tableName(table).item(map("k", s("a"), "x", n(1.5), "y", s("why"))));
            KeysAndAttributes ask = KeysAndAttributes.builder().keys(List.of(Map.of("k", s("a")), Map.of("k", s("b"))))
                    .projectionExpression("#x").expressionAttributeNames(Map.of("#x", "x")).build();

            List<Map<String, AttributeValue>> overHttp =
                    http.batchGetItem(b -> b.requestItems(Map.of(table, ask))).responses().get(table);
            List<Map<String, AttributeValue>> inProcess =
                    memory.batchGetItem(b -> b.requestItems(Map.of(table, ask))).responses().get(table);

            assertThat(overHttp).containsExactly(Map.of("x", n(1.5)));
            assertThat(inProcess).isEqualTo(overHttp);
        }
    }

    @Test
    void aRequestSignedWithAnotherSecretIsRefusedAsOverHttp() {
        try (LocalDynamoDb db = LocalDynamoDb.builder().build().start();
                DynamoDbClient wrong = inProcess(db, db.accessKeyId(), "not-the-secret")) {
            assertThatThrownBy(wrong::listTables).isInstanceOf(DynamoDbException.class)
                    .satisfies(e -> assertThat(((DynamoDbException) e).awsErrorDetails().errorCode())
                            .isEqualTo("InvalidSignatureException"));
        }
    }

    @Test
    void aClosedStandInRefusesRequestsAsAClosedPortWould() {
        LocalDynamoDb db = LocalDynamoDb.builder().build().start();
        try (DynamoDbClient memory = inProcess(db, db.accessKeyId(), db.secretAccessKey())) {
            memory.listTables();
            db.close();
            assertThatThrownBy(memory::listTables).isInstanceOf(SdkClientException.class)
                    .hasRootCauseInstanceOf(java.net.ConnectException.class);
        }
    }
}
