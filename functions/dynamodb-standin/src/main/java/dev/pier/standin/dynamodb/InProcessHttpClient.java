package dev.pier.standin.dynamodb;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * {@link LocalDynamoDb#inProcessHttpClient()}: the SDK's HTTP layer replaced by a call into the stand-in on the
 * calling thread. Everything above it (marshalling, signing, CRC32 check, retries, unmarshalling) is the SDK's own.
 * Thread-safe; holds nothing to close.
 */
final class InProcessHttpClient implements SdkHttpClient {
    private final LocalDynamoDb db;

    InProcessHttpClient(LocalDynamoDb db) {
        this.db = db;
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        return new ExecutableHttpRequest() {
            @Override
            public HttpExecuteResponse call() throws IOException {
                if (!db.serving()) {
                    throw new ConnectException("the DynamoDB stand-in is not serving");
                }
                byte[] body;
                if (request.contentStreamProvider().isPresent()) {
                    try (InputStream in = request.contentStreamProvider().get().newStream()) {
                        body = in.readAllBytes();
                    }
                } else {
                    body = new byte[0];
                }
                var http = request.httpRequest();
                LocalDynamoDb.Answer a = db.answer(http.method().name(), http.getUri(), http.headers(), body);
                SdkHttpResponse response = SdkHttpResponse.builder()
                        .statusCode(a.status())
                        .putHeader("Content-Type", a.contentType())
                        .putHeader("Content-Length", Integer.toString(a.body().length))
                        .putHeader("x-amz-crc32", a.crc32())
                        .putHeader("x-amzn-RequestId", a.requestId())
                        .build();
                return HttpExecuteResponse.builder().response(response)
                        .responseBody(AbortableInputStream.create(new ByteArrayInputStream(a.body())))
                        .build();
            }

            @Override
            public void abort() {
                // the answer is computed in the caller's thread: nothing runs elsewhere to stop
            }
        };
    }

    @Override
    public String clientName() {
        return "PierInProcess";
    }

    @Override
    public void close() {
        // the stand-in is closed by its owner
    }
}
