package dev.pier.standin.dynamodb;

import static dev.pier.standin.dynamodb.Dynamo.client;
import static dev.pier.standin.dynamodb.Dynamo.createTable;
import static dev.pier.standin.dynamodb.Dynamo.map;
import static dev.pier.standin.dynamodb.Dynamo.s;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;

/**
 * The stand-in serves only requests signed (SigV4) with its credentials, and refuses the rest as DynamoDB does: the
 * local API-keys table of an {@code --auth} server must not be writable by whoever can reach the loopback port.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SignatureVerificationTest {
    private static final String KEY_ID = "standin-key";
    private static final String SECRET = "standin-secret";
    private final HttpClient http = HttpClient.newHttpClient();
    private LocalDynamoDb db;
    private DynamoDbClient signed;
    private String table;

    @BeforeAll
    void start() {
        db = LocalDynamoDb.builder().credentials(KEY_ID, SECRET).build().start();
        signed = client(db);
        table = createTable(signed, Dynamo.uniqueTable("keys"), "id", "S", null, null);
    }

    @AfterAll
    void stop() {
        signed.close();
        db.close();
    }

    @Test
    void aClientSigningWithTheStandInsCredentialsIsServed() {
        signed.putItem(r -> r.tableName(table).item(map("id", s("signed"), "role", s("viewer"))));

        assertThat(signed.getItem(r -> r.tableName(table).key(map("id", s("signed")))).item())
                .containsEntry("role", s("viewer"));
    }

    @Test
    void anUnsignedRequestIsRefusedAsMissingAuthenticationTokenAndWritesNothing() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(db.endpoint())
                .header("X-Amz-Target", "DynamoDB_20120810.PutItem")
                .header("Content-Type", "application/x-amz-json-1.0")
                .POST(HttpRequest.BodyPublishers.ofString(putAdmin("unsigned")))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("com.amazon.coral.service#MissingAuthenticationTokenException");
        assertThat(itemExists("unsigned")).isFalse();
    }

    @Test
    void aRequestSignedWithTheWrongSecretIsRefusedAsInvalidSignature() {
        try (DynamoDbClient forged = client(db.endpoint(), KEY_ID, "guessed-secret")) {
            assertThatThrownBy(() -> forged.putItem(r -> r.tableName(table).item(map("id", s("forged")))))
                    .isInstanceOfSatisfying(DynamoDbException.class, e -> {
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidSignatureException");
                        assertThat(e.statusCode()).isEqualTo(400);
                    });
        }
        assertThat(itemExists("forged")).isFalse();
    }

    @Test
    void aRequestSignedWithAnotherAccessKeyIsRefusedAsUnrecognizedClient() {
        try (DynamoDbClient stranger = client(db.endpoint(), "someone-else", SECRET)) {
            assertThatThrownBy(() -> stranger.listTables())
                    .isInstanceOfSatisfying(DynamoDbException.class, e ->
                            assertThat(e.awsErrorDetails().errorCode()).isEqualTo("UnrecognizedClientException"));
        }
    }

    @Test
    void aSignedRequestWhoseBodyWasChangedOnTheWayIsRefused() throws Exception {
        Map<String, List<String>> headers = sign(putAdmin("original"), SECRET, Instant.now());

        HttpResponse<String> response = send(headers, putAdmin("tampered"));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("InvalidSignatureException");
        assertThat(itemExists("tampered")).isFalse();
    }

    @Test
    void aCorrectlySignedRawRequestIsServed() throws Exception {
        String body = putAdmin("raw");

        HttpResponse<String> response = send(sign(body, SECRET, Instant.now()), body);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(itemExists("raw")).isTrue();
    }

    @Test
    void aStatedPayloadHashThatIsNotTheBodysIsRefused() throws Exception {
        String body = putAdmin("stated-hash");
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.putAll(sign(body, SECRET, Instant.now()));
        headers.put("X-Amz-Content-Sha256", List.of("0".repeat(64)));

        HttpResponse<String> response = send(headers, body);

        assertThat(response.body()).contains("InvalidSignatureException", "x-amz-content-sha256");
        assertThat(itemExists("stated-hash")).isFalse();
    }

    @Test
    void aSignatureMadeMoreThanFiveMinutesAgoIsRefusedAsExpired() throws Exception {
        String body = putAdmin("replayed");
        Instant signedAt = Instant.parse("2026-01-01T00:00:00Z");
        Map<String, List<String>> headers = sign(body, SECRET, signedAt);
        SigV4Verifier verifier = new SigV4Verifier(KEY_ID, SECRET);
        URI uri = URI.create("/");
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);

        verifier.verify("POST", uri, headers, bytes, signedAt.plus(Duration.ofMinutes(4)));
        assertThatThrownBy(() -> verifier.verify("POST", uri, headers, bytes, signedAt.plus(Duration.ofMinutes(6))))
                .isInstanceOfSatisfying(DynamoException.class, e -> {
                    assertThat(e.simpleType()).isEqualTo("InvalidSignatureException");
                    assertThat(e.getMessage()).startsWith("Signature expired: 20260101T000000Z");
                });
        assertThatThrownBy(() -> verifier.verify("POST", uri, headers, bytes, signedAt.minus(Duration.ofMinutes(6))))
                .hasMessageStartingWith("Signature not yet current");
    }

    @Test
    void awscliSigningWithTheStandInsCredentialsIsServed() throws Exception {
        Path aws = Path.of("/usr/bin/aws");
        Assumptions.assumeTrue(Files.isExecutable(aws), "awscli is not installed here");
        ProcessBuilder pb = new ProcessBuilder(aws.toString(), "--endpoint-url", db.endpoint().toString(),
                "dynamodb", "list-tables", "--output", "text").redirectErrorStream(true);
        pb.environment().putAll(Map.of("AWS_ACCESS_KEY_ID", KEY_ID, "AWS_SECRET_ACCESS_KEY", SECRET,
                "AWS_REGION", "eu-west-1", "AWS_CONFIG_FILE", "/dev/null", "AWS_SHARED_CREDENTIALS_FILE", "/dev/null"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains(table);
    }

    private String putAdmin(String id) {
        return "{\"TableName\":\"" + table + "\",\"Item\":{\"id\":{\"S\":\"" + id + "\"},\"role\":{\"S\":\"admin\"}}}";
    }

    private boolean itemExists(String id) {
        return signed.getItem(r -> r.tableName(table).key(map("id", s(id)))).hasItem();
    }

    /** The headers the SDK's signer adds to a PutItem request with this body, signed at {@code at}. */
    private Map<String, List<String>> sign(String body, String secret, Instant at) {
        SdkHttpFullRequest request = SdkHttpFullRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(db.endpoint())
                .encodedPath("/")
                .putHeader("X-Amz-Target", "DynamoDB_20120810.PutItem")
                .putHeader("Content-Type", "application/x-amz-json-1.0")
                .build();
        SdkHttpRequest signedRequest = AwsV4HttpSigner.create().sign(r -> r
                .request(request)
                .payload(ContentStreamProvider.fromUtf8String(body))
                .identity(AwsCredentialsIdentity.create(KEY_ID, secret))
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "dynamodb")
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC))).request();
        return signedRequest.headers();
    }

    private HttpResponse<String> send(Map<String, List<String>> headers, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(db.endpoint()).POST(HttpRequest.BodyPublishers.ofString(body));
        // java.net.http sets Host itself, to the same host:port the signer signed
        headers.forEach((name, values) -> {
            if (!name.equalsIgnoreCase("Host")) {
                values.forEach(v -> b.header(name, v));
            }
        });
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
