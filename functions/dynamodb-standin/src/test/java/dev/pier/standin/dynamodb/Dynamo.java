package dev.pier.standin.dynamodb;

import java.net.URI;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** Test helpers: a real SDK client for a stand-in, and terse attribute-value builders. */
final class Dynamo {

    private static final AtomicInteger TABLES = new AtomicInteger();

    private Dynamo() {}

    /** A client signing with the stand-in's own credentials, as every client must. */
    static DynamoDbClient client(LocalDynamoDb db) {
        return client(db.endpoint(), db.accessKeyId(), db.secretAccessKey());
    }

    static DynamoDbClient client(URI endpoint, String accessKeyId, String secretAccessKey) {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(accessKeyId, secretAccessKey)))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    static String uniqueTable(String prefix) {
        return prefix + "-" + TABLES.incrementAndGet();
    }

    /** Creates a pay-per-request table; rangeKey may be null. Types are "S", "N" or "B". */
    static String createTable(DynamoDbClient c, String name, String hashKey, String hashType, String rangeKey, String rangeType) {
        CreateTableRequest.Builder b = CreateTableRequest.builder().tableName(name).billingMode(BillingMode.PAY_PER_REQUEST);
        if (rangeKey == null) {
            b.keySchema(KeySchemaElement.builder().attributeName(hashKey).keyType(KeyType.HASH).build())
                    .attributeDefinitions(def(hashKey, hashType));
        } else {
            b.keySchema(KeySchemaElement.builder().attributeName(hashKey).keyType(KeyType.HASH).build(),
                            KeySchemaElement.builder().attributeName(rangeKey).keyType(KeyType.RANGE).build())
                    .attributeDefinitions(def(hashKey, hashType), def(rangeKey, rangeType));
        }
        c.createTable(b.build());
        return name;
    }

    static AttributeDefinition def(String name, String type) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.fromValue(type)).build();
    }

    static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    static AttributeValue n(Object v) {
        return AttributeValue.fromN(String.valueOf(v));
    }

    static AttributeValue ss(String... v) {
        return AttributeValue.fromSs(Arrays.asList(v));
    }

    static AttributeValue ns(String... v) {
        return AttributeValue.fromNs(Arrays.asList(v));
    }

    static AttributeValue l(AttributeValue... v) {
        return AttributeValue.fromL(List.of(v));
    }

    static AttributeValue m(Object... kv) {
        return AttributeValue.fromM(map(kv));
    }

    /** map("a", s("x"), "b", n(1)) */
    static Map<String, AttributeValue> map(Object... kv) {
        Map<String, AttributeValue> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], (AttributeValue) kv[i + 1]);
        return m;
    }

    static Map<String, String> names(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }
}
