package dev.pier.standin.dynamodb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.zip.CRC32;

/**
 * An in-process stand-in for Amazon DynamoDB that the real AWS SDK talks to over HTTP (DynamoDB JSON 1.0 protocol),
 * with optional on-disk persistence.
 *
 * <pre>{@code
 * try (LocalDynamoDb db = LocalDynamoDb.builder().dataDir(dir).credentials(keyId, secret).build().start()) {
 *     DynamoDbClient client = DynamoDbClient.builder()
 *             .endpointOverride(db.endpoint())
 *             .region(Region.US_EAST_1)
 *             .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(keyId, secret)))
 *             .build();
 *     ...
 * }
 * }</pre>
 *
 * <p>What callers may rely on:
 * <ul>
 *   <li>The server binds to the loopback address only; {@link #endpoint()} is {@code http://127.0.0.1:PORT}.
 *       Every request but the unsigned health check ({@code GET /}) must carry an AWS Signature Version 4 made
 *       with the {@linkplain Builder#credentials configured credentials} (any region), or it is refused with
 *       DynamoDB's own error ({@code MissingAuthenticationTokenException}, {@code UnrecognizedClientException},
 *       {@code InvalidSignatureException}, …): a local user who cannot read those credentials cannot read or write
 *       the tables.</li>
 *   <li>With a {@linkplain Builder#dataDir data directory}, every write the server has acknowledged is in the
 *       operating system's hands before the response is sent, so it survives {@link #close()}, a crash and SIGKILL
 *       (not a power loss: the log is not fsynced per write). Without one, data lives in memory only.</li>
 *   <li>One data directory serves one instance at a time; a second {@link #start()} on a directory in use fails
 *       with {@link IllegalStateException}, across processes too (an OS file lock).</li>
 *   <li>Writes are serialisable: each item write, batch write and transaction is atomic and isolated from all other
 *       requests.</li>
 *   <li>Instances are thread-safe. {@link #close()} is idempotent; after it, {@link #endpoint()} refuses connections.</li>
 * </ul>
 * See the module README for the supported operations and known differences from DynamoDB.
 */
public final class LocalDynamoDb implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LocalDynamoDb.class.getName());
    private static final String TARGET_PREFIX = "DynamoDB_20120810.";

    static {
        // The JDK server otherwise leaves Nagle's algorithm on, which adds tens of milliseconds per round trip.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final int requestedPort;
    private final Path dataDir;
    private final int threads;
    private final Duration ttlSweepInterval;
    private final long compactThreshold;
    private final String accessKeyId;
    private final String secretAccessKey;
    private final SigV4Verifier signatures;

    private final Object lifecycle = new Object();
    private Store store;
    private Api api;
    private HttpServer server;
    private ExecutorService executor;
    private ScheduledExecutorService sweeper;
    private URI endpoint;
    private boolean started, closed;
    private volatile boolean serving;

    private LocalDynamoDb(Builder b) {
        this.requestedPort = b.port;
        this.dataDir = b.dataDir;
        this.threads = b.threads;
        this.ttlSweepInterval = b.ttlSweepInterval;
        this.compactThreshold = b.compactThreshold;
        this.accessKeyId = b.accessKeyId;
        this.secretAccessKey = b.secretAccessKey;
        this.signatures = new SigV4Verifier(accessKeyId, secretAccessKey);
    }

    /**
     * Returns a builder; the defaults are an ephemeral port, in-memory data, 16 request threads and credentials made
     * up at random (read them back with {@link #accessKeyId()} and {@link #secretAccessKey()}).
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Loads the data directory (if any), binds the port and starts serving. Returns this instance for chaining.
     *
     * @throws IllegalStateException if already started or closed, or if the data directory is in use
     * @throws UncheckedIOException if the data directory cannot be read or the port cannot be bound
     */
    public LocalDynamoDb start() {
        synchronized (lifecycle) {
            if (started || closed) throw new IllegalStateException("LocalDynamoDb can be started only once");
            started = true;
            try {
                store = new Store(dataDir, compactThreshold);
                api = new Api(store);
                AtomicInteger n = new AtomicInteger();
                executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "local-dynamodb-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
                server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), requestedPort), 256);
                server.setExecutor(executor);
                server.createContext("/", this::handle);
                server.start();
                endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
                sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "local-dynamodb-ttl");
                    t.setDaemon(true);
                    return t;
                });
                long period = Math.max(1, ttlSweepInterval.toMillis());
                sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
                serving = true;
                return this;
            } catch (IOException e) {
                shutdown();
                throw new UncheckedIOException("could not start LocalDynamoDb: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                shutdown();
                throw e;
            }
        }
    }

    /** The base URI to pass to the SDK's {@code endpointOverride}, e.g. {@code http://127.0.0.1:8000}. */
    public URI endpoint() {
        synchronized (lifecycle) {
            if (endpoint == null) throw new IllegalStateException("LocalDynamoDb is not started");
            return endpoint;
        }
    }

    /** The bound port (useful when the builder asked for port 0). */
    public int port() {
        return endpoint().getPort();
    }

    /** The access key id requests must be signed with. */
    public String accessKeyId() {
        return accessKeyId;
    }

    /** The secret access key requests must be signed with. */
    public String secretAccessKey() {
        return secretAccessKey;
    }

    /** Stops serving, waits briefly for requests in flight, and writes a compact snapshot of the data directory. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) return;
            closed = true;
            shutdown();
        }
    }

    private void shutdown() {
        serving = false;
        if (sweeper != null) sweeper.shutdownNow();
        if (server != null) server.stop(0);
        if (executor != null) {
            executor.shutdown();
            try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (store != null) {
            try {
                store.close();
            } catch (IOException e) {
                throw new UncheckedIOException("could not write the final snapshot of " + dataDir, e);
            }
        }
    }

    /** Test hook: stops serving and releases the data directory without a final snapshot, as a crash would. */
    void crashForTesting() throws IOException {
        synchronized (lifecycle) {
            closed = true;
            serving = false;
            if (sweeper != null) sweeper.shutdownNow();
            if (server != null) server.stop(0);
            if (executor != null) executor.shutdownNow();
            store.abandon();
        }
    }

    private void sweep() {
        try {
            store.sweepExpired(System.currentTimeMillis() / 1000);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "TTL sweep failed", e);
        }
    }

    // ------------------------------------------------------------------ HTTP

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            Answer a = answer(ex.getRequestMethod(), ex.getRequestURI(), ex.getRequestHeaders(), body);
            ex.getResponseHeaders().set("Content-Type", a.contentType());
            ex.getResponseHeaders().set("x-amz-crc32", a.crc32());
            ex.getResponseHeaders().set("x-amzn-RequestId", a.requestId());
            ex.sendResponseHeaders(a.status(), a.body().length == 0 ? -1 : a.body().length);
            if (a.body().length > 0) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(a.body());
                }
            }
        }
    }

    /** One answer, whichever transport carried the request: status, body and the headers DynamoDB sends with it. */
    record Answer(int status, byte[] body, String contentType, String crc32, String requestId) {}

    /**
     * Answers one request as DynamoDB would: the health check, the signature checked, the operation run. The same code
     * serves the loopback HTTP server and {@link #inProcessHttpClient()}.
     */
    Answer answer(String method, URI uri, java.util.Map<String, java.util.List<String>> headers, byte[] body)
            throws IOException {
        int status = 200;
        com.fasterxml.jackson.databind.JsonSerializable resp;
        String target = firstHeader(headers, "X-Amz-Target");
        if ("GET".equals(method) && target == null) {
            return answer(200, "healthy: dynamodb stand-in".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    "text/plain");
        }
        try {
            signatures.verify(method, uri, headers, body, Instant.now());
        } catch (DynamoException e) {
            return answer(e.status, Store.MAPPER.writeValueAsBytes(error(e)), "application/x-amz-json-1.0");
        }
        if (!"POST".equals(method)) {
            resp = error(DynamoException.serialization("Only POST is supported"));
            status = 400;
        } else if (target == null || !target.startsWith(TARGET_PREFIX)) {
            resp = error(new DynamoException("com.amazon.coral.service#UnknownOperationException",
                    "Missing or unknown X-Amz-Target header: " + target));
            status = 400;
        } else {
            try {
                JsonNode req = body.length == 0 ? JsonNodeFactory.instance.objectNode() : Store.MAPPER.readTree(body);
                if (req == null || req.isMissingNode()) req = JsonNodeFactory.instance.objectNode();
                resp = api.handle(target.substring(TARGET_PREFIX.length()), req);
            } catch (DynamoException e) {
                status = e.status;
                resp = error(e);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                status = 400;
                resp = error(DynamoException.serialization("Malformed JSON request: " + e.getOriginalMessage()));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "LocalDynamoDb request failed", e);
                status = 500;
                resp = error(new DynamoException("com.amazonaws.dynamodb.v20120810#InternalServerError", 500,
                        String.valueOf(e)));
            }
        }
        return answer(status, Store.MAPPER.writeValueAsBytes(resp), "application/x-amz-json-1.0");
    }

    /** The first value of a header, its name in any case (the JDK server's headers are case-insensitive already). */
    private static String firstHeader(java.util.Map<String, java.util.List<String>> headers, String name) {
        java.util.List<String> values = headers.get(name);
        if (values == null) {
            for (var e : headers.entrySet()) {
                if (e.getKey() != null && e.getKey().equalsIgnoreCase(name)) {
                    values = e.getValue();
                    break;
                }
            }
        }
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static ObjectNode error(DynamoException e) {
        return e.body();
    }

    private static Answer answer(int status, byte[] bytes, String contentType) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        // a request id needs to be unique, not unguessable: UUID.randomUUID() would draw from SecureRandom each time
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        return new Answer(status, bytes, contentType, Long.toString(crc.getValue()),
                new UUID(r.nextLong(), r.nextLong()).toString());
    }

    /**
     * An SDK HTTP client that hands each request to this stand-in in the calling thread, without a socket: the same
     * signature check, operations, JSON and headers as over HTTP, but no loopback connection, no JDK HTTP server
     * and no hand-off to its worker threads. For local mode and benchmarks that want to measure Pier and the SDK's
     * client side rather than a loopback round trip; DynamoDB itself is across a network. Closing the client does not
     * close the stand-in. Requests after {@link #close()} fail as a refused connection would.
     */
    public software.amazon.awssdk.http.SdkHttpClient inProcessHttpClient() {
        return new InProcessHttpClient(this);
    }

    /** Whether requests are answered: after {@link #start()}, until {@link #close()} (read per in-process request). */
    boolean serving() {
        return serving;
    }

    /** Configures a {@link LocalDynamoDb}. */
    public static final class Builder {
        private int port;
        private Path dataDir;
        private int threads = 16;
        private Duration ttlSweepInterval = Duration.ofMillis(500);
        private long compactThreshold = Store.DEFAULT_COMPACT_THRESHOLD;
        private String accessKeyId;
        private String secretAccessKey;

        private Builder() {
            SecureRandom random = new SecureRandom();
            byte[] id = new byte[8];
            byte[] secret = new byte[30];
            random.nextBytes(id);
            random.nextBytes(secret);
            this.accessKeyId = "LOCAL" + HexFormat.of().withUpperCase().formatHex(id);
            this.secretAccessKey = Base64.getEncoder().encodeToString(secret);
        }

        /** The only credentials whose SigV4 signatures are accepted (default: made up at random for this instance). */
        public Builder credentials(String accessKeyId, String secretAccessKey) {
            if (accessKeyId == null || accessKeyId.isBlank() || secretAccessKey == null || secretAccessKey.isBlank()) {
                throw new IllegalArgumentException("an access key id and a secret access key are required");
            }
            this.accessKeyId = accessKeyId;
            this.secretAccessKey = secretAccessKey;
            return this;
        }

        /** The loopback port to listen on; 0 (the default) picks a free ephemeral port. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
            this.port = port;
            return this;
        }

        /** The directory that holds the data (created if missing); null (the default) keeps data in memory only. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** The number of request-handling threads (default 16). */
        public Builder threads(int threads) {
            if (threads < 1) throw new IllegalArgumentException("threads must be positive: " + threads);
            this.threads = threads;
            return this;
        }

        /** How often expired TTL items are deleted (default 500 ms). */
        public Builder ttlSweepInterval(Duration interval) {
            this.ttlSweepInterval = Objects.requireNonNull(interval, "interval");
            return this;
        }

        /** Test hook: the log size that triggers a snapshot rewrite while running (default 64 MiB). */
        Builder compactThreshold(long bytes) {
            this.compactThreshold = bytes;
            return this;
        }

        /** Creates an unstarted instance; call {@link LocalDynamoDb#start()}. */
        public LocalDynamoDb build() {
            return new LocalDynamoDb(this);
        }
    }
}
