package dev.pier.statemachines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The S3 a distributed Map reads items from (ItemReader) and writes results to (ResultWriter). */
public interface ItemStore {
  byte[] get(String bucket, String key);

  void put(String bucket, String key, byte[] bytes);

  /** The objects under {@code prefix}, as ListObjectsV2 items ({@code Key}, {@code Size}, {@code Etag}, …). */
  List<JsonNode> list(String bucket, String prefix);

  /** An item store on an S3 client: the real S3 in AWS, the S3 stand-in locally. */
  static ItemStore s3(S3Client s3) {
    return new ItemStore() {
      @Override
      public byte[] get(String bucket, String key) {
        return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
      }

      @Override
      public void put(String bucket, String key, byte[] bytes) {
        s3.putObject(b -> b.bucket(bucket).key(key).contentType("application/json"), RequestBody.fromBytes(bytes));
      }

      @Override
      public List<JsonNode> list(String bucket, String prefix) {
        List<JsonNode> out = new ArrayList<>();
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
          out.add(JsonNodeFactory.instance.objectNode().put("Key", o.key()).put("Size", o.size())
              .put("Etag", o.eTag()).put("LastModified", String.valueOf(o.lastModified()))
              .put("StorageClass", String.valueOf(o.storageClassAsString())));
        }
        return out;
      }
    };
  }
}
