package dev.pier.registry.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.json.RequestJson;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.CallerIdentity;
import dev.pier.kernel.security.Permission;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.Names;
import dev.pier.registry.NewVersion;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Big artifacts bypass the API: {@code POST /api/v1/models/{m}/uploads} with {@code size_bytes} (up to 10 GB)
 * answers presigned S3 multipart-upload URLs, one per part; the client PUTs the parts straight to S3 and then
 * {@code POST …/uploads/{id}/complete} with the parts' ETags and the version's {@code metadata} registers the
 * version (checked by its engine, stored under its content address, exactly as a multipart-form registration).
 * {@code GET …/versions/{v}/download-url} answers a presigned GET of the stored artifact.
 */
@Tag(name = "Registry")
@Path("/api/v1/models")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class ArtifactTransferResource {
  static final long MAX_UPLOAD_BYTES = 10_000_000_000L;
  /** S3 parts are 5 MiB to 5 GiB and at most 10,000; 64 MiB parts make a 10 GB upload 150 parts. */
  static final long PART_BYTES = 64L << 20;
  private static final Duration EXPIRY = Duration.ofHours(1);
  private final ModelRegistry registry;
  private final AwsClients aws;
  private final ServingChecks serving;
  private final UploadDirectory uploads;
  private final CallerIdentity caller;

  public ArtifactTransferResource(ModelRegistry registry, AwsClients aws, ServingChecks serving,
      UploadDirectory uploads, CallerIdentity caller) {
    this.registry = registry;
    this.aws = aws;
    this.serving = serving;
    this.uploads = uploads;
    this.caller = caller;
  }

  @APIResponse(responseCode = "201", description = "The upload: its id, part size and presigned part URLs",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = Upload.class)))
  @Operation(summary = "Start a large artifact upload")
  @POST
  @Path("/{model}/uploads")
  @Authorize(Permission.REGISTER)
  public Response startUpload(@PathParam("model") String model, byte[] body) {
    Names.checkModel(model);
    long size = RequestJson.readObject(body).path("size_bytes").asLong(-1);
    if (size < 1 || size > MAX_UPLOAD_BYTES) {
      throw PierException.badRequest("size_bytes must be between 1 and " + MAX_UPLOAD_BYTES + ", got " + size);
    }
    String bucket = registry.artifacts().bucket();
    String key = "uploads/" + model + "/" + UUID.randomUUID();
    S3Client s3 = aws.s3();
    String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
    int parts = (int) ((size + PART_BYTES - 1) / PART_BYTES);
    List<PartUrl> urls = new ArrayList<>(parts);
    try (S3Presigner presigner = aws.s3Presigner()) {
      for (int part = 1; part <= parts; part++) {
        int number = part;
        urls.add(new PartUrl(part, presigner.presignUploadPart(p -> p.signatureDuration(EXPIRY).uploadPartRequest(
            u -> u.bucket(bucket).key(key).uploadId(uploadId).partNumber(number))).url().toString()));
      }
    }
    return Response.status(201).entity(new Upload(encode(key, uploadId), PART_BYTES,
        Instant.now().plus(EXPIRY).toString(), urls)).build();
  }

  @APIResponse(responseCode = "201", description = "The version registered",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = RegistryJson.Version.class)))
  @Operation(summary = "Complete a large artifact upload (registers the version)")
  @POST
  @Path("/{model}/uploads/{upload}/complete")
  @Authorize(Permission.REGISTER)
  public Response completeUpload(@PathParam("model") String model, @PathParam("upload") String upload,
      byte[] body) {
    String[] ref = decode(upload);
    String key = ref[0];
    if (!key.startsWith("uploads/" + model + "/")) {
      throw PierException.badRequest("upload '" + upload + "' is not an upload of model '" + model + "'");
    }
    JsonNode n = RequestJson.readObject(body);
    List<CompletedPart> parts = new ArrayList<>();
    for (JsonNode p : n.path("parts")) {
      if (!p.path("part_number").canConvertToInt() || !p.hasNonNull("etag")) {
        throw PierException.badRequest("every part needs part_number and etag");
      }
      parts.add(CompletedPart.builder().partNumber(p.get("part_number").asInt()).eTag(p.get("etag").asText()).build());
    }
    if (parts.isEmpty()) {
      throw PierException.badRequest("parts is required: [{\"part_number\": 1, \"etag\": \"…\"}, …]");
    }
    JsonNode metadata = n.get("metadata");
    NewVersion request = VersionMetadata.parse(metadata == null ? null : metadata.toString(), serving);
    String bucket = registry.artifacts().bucket();
    S3Client s3 = aws.s3();
    s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(ref[1])
        .multipartUpload(m -> m.parts(parts)));
    java.nio.file.Path file = null;
    try (UploadDirectory.InFlight held = uploads.begin()) { // its copy outlives the sweep's grace if need be
      // in the uploads directory, which is emptied at start: a copy left by a killed process does not stay
      file = Files.createTempFile(uploads.path(), "pier-upload", ".bin");
      Files.delete(file);
      java.nio.file.Path target = file;
      s3.getObject(b -> b.bucket(bucket).key(key), ResponseTransformer.toFile(target));
      request = request.withSignature(serving.check(request.framework(), file, request.signature()));
      ModelVersion v = registry.register(model, request, file, null, caller.principal());
      return Response.created(URI.create("/api/v1/models/" + model + "/versions/" + v.version()))
          .entity(RegistryJson.version(v, bucket)).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      s3.deleteObject(b -> b.bucket(bucket).key(key));
      if (file != null) {
        file.toFile().delete();
      }
    }
  }

  @Operation(summary = "Get a version's artifact download URL")
  @GET
  @Path("/{model}/versions/{version}/download-url")
  @Authorize(Permission.READ)
  public DownloadUrl downloadUrl(@PathParam("model") String model, @PathParam("version") String version,
      @QueryParam("expires_in") @DefaultValue("900") long expiresIn) {
    if (expiresIn < 1 || expiresIn > 7 * 24 * 3600) {
      throw PierException.badRequest("expires_in must be between 1 and 604800 seconds");
    }
    ModelVersion v = registry.resolve(model, version);
    if (!v.artifact().servable()) {
      throw PierException.conflict("version " + v.version() + " of model '" + model + "' has no artifact in Pier's"
          + " store; its source is " + v.provenance().source());
    }
    try (S3Presigner presigner = aws.s3Presigner()) {
      String url = presigner.presignGetObject(p -> p.signatureDuration(Duration.ofSeconds(expiresIn))
          .getObjectRequest(g -> g.bucket(registry.artifacts().bucket()).key(v.artifact().key()))).url().toString();
      return new DownloadUrl(url, v.artifact().sha256(), v.artifact().sizeBytes(),
          Instant.now().plusSeconds(expiresIn).toString());
    }
  }

  /** The answer to starting an upload: where to PUT each part, until when. */
  record Upload(@JsonProperty("upload_id") String uploadId, @JsonProperty("part_size") long partSize,
      @JsonProperty("expires_at") String expiresAt, List<PartUrl> parts) {}

  record PartUrl(@JsonProperty("part_number") int partNumber, String url) {}

  record DownloadUrl(String url, String sha256, @JsonProperty("size_bytes") long sizeBytes,
      @JsonProperty("expires_at") String expiresAt) {}

  private static String encode(String key, String uploadId) {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString((key + "\n" + uploadId).getBytes(StandardCharsets.UTF_8));
  }

  private static String[] decode(String upload) {
    try {
      String[] parts = new String(Base64.getUrlDecoder().decode(upload), StandardCharsets.UTF_8).split("\n", 2);
      if (parts.length == 2) {
        return parts;
      }
    } catch (IllegalArgumentException e) {
      // fall through
    }
    throw PierException.badRequest("invalid upload id '" + upload + "'");
  }
}
