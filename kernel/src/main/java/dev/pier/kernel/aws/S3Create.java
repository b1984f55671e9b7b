package dev.pier.kernel.aws;

import java.util.function.Consumer;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Creates an S3 object under a key no other writer uses ({@code If-None-Match: *}), tolerating the SDK's own retry:
 * when an attempt lands but its answer is lost, the retried put finds the object there and gets 412, which for a key
 * of this writer's alone means the object is written. Seen under load against s3proxy (attempt 2 answered 412).
 */
public final class S3Create {
  private S3Create() {}

  /** Puts {@code body} at the request's key unless an object is there already (then: an earlier attempt of ours). */
  public static void once(S3Client s3, Consumer<PutObjectRequest.Builder> request, RequestBody body) {
    try {
      s3.putObject(b -> request.accept(b.ifNoneMatch("*")), body);
    } catch (S3Exception failed) {
      if (failed.statusCode() != 412) {
        throw failed;
      }
    }
  }
}
