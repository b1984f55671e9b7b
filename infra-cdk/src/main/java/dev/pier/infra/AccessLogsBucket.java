package dev.pier.infra;

import java.util.List;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.constructs.Construct;

/**
 * A bucket for S3 server access logs of a stack's other buckets. S3 can deliver access logs only to a bucket encrypted
 * with S3-managed keys, so this one alone is not KMS-encrypted. Each stack that logs bucket access has its own: a log
 * bucket of another stack would have to allow the logged bucket by ARN in its policy, a reference back that
 * CloudFormation cannot order.
 */
final class AccessLogsBucket {
  private AccessLogsBucket() {}

  /** Logs kept a year in prod, 90 days elsewhere; a log object's old versions a week. */
  static Bucket create(Construct scope, String id, PierConfig config) {
    return Bucket.Builder.create(scope, id)
        .encryption(BucketEncryption.S3_MANAGED)
        .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
        .enforceSsl(true)
        .minimumTlsVersion(1.2)
        .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
        .versioned(true)
        .lifecycleRules(List.of(LifecycleRule.builder()
            .id("expire-access-logs")
            .expiration(Duration.days(config.prod() ? 365 : 90))
            .noncurrentVersionExpiration(Duration.days(7))
            .abortIncompleteMultipartUploadAfter(Duration.days(1))
            .build()))
        .removalPolicy(config.prod() ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY)
        .build();
  }
}
