package dev.pier.registry.mlflow;

import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import dev.pier.tracking.TrackingStore;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * MLflow's artifact proxy ({@code mlflow server --serve-artifacts}, the {@code MlflowArtifactsService} of
 * {@code mlflow_artifacts.proto}): MLflow clients whose runs' {@code artifact_uri} is {@code mlflow-artifacts:/…}
 * upload, list, download and delete artifacts here, and Pier keeps them in S3 ({@link MlflowArtifactStore}). A
 * model logged this way is registered from {@code runs:/<run_id>/<path>} or {@code mlflow-artifacts:/…}
 * ({@link MlflowRegistryResource}).
 */
@Tag(name = "MLflow")
@Path("/api/2.0/mlflow-artifacts")
@Blocking
public class MlflowArtifactsResource {
  private final MlflowArtifactStore store;

  public MlflowArtifactsResource(AwsClients aws, TrackingStore tracking) {
    this.store = new MlflowArtifactStore(aws.s3(), tracking.artifactRoot());
  }

  @PUT
  @Path("/artifacts/{path: .+}")
  @Consumes(MediaType.WILDCARD)
  @Produces(MediaType.APPLICATION_JSON)
  @Authorize(Permission.REGISTER)
  @Operation(summary = "Upload an artifact (MLflow's artifact proxy): the body is the file, stored in S3 at path")
  public String upload(@PathParam("path") String path, InputStream body) {
    MlflowArtifactStore.checked(path);
    java.nio.file.Path file = null;
    try {
      // staged on disk, as MLflow's server does: S3 wants the length up front and bodies may be gigabytes
      file = Files.createTempFile("pier-mlflow-artifact", ".bin");
      Files.copy(body == null ? InputStream.nullInputStream() : body, file, StandardCopyOption.REPLACE_EXISTING);
      store.put(path, file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (file != null) {
        file.toFile().delete();
      }
    }
    return "{}";
  }

  @GET
  @Path("/artifacts/{path: .+}")
  @Produces(MediaType.WILDCARD)
  @Authorize(Permission.READ)
  @APIResponse(responseCode = "200", description = "The file's bytes",
      content = @Content(mediaType = "application/octet-stream",
          schema = @Schema(type = SchemaType.STRING, format = "binary")))
  @Operation(summary = "Download an artifact (MLflow's artifact proxy); 404 when no file is at path")
  public Response download(@PathParam("path") String path) {
    var object = store.open(path);
    String name = path.substring(path.lastIndexOf('/') + 1).replace("\"", "");
    StreamingOutput out = sink -> {
      try (object) {
        object.transferTo(sink);
      }
    };
    return Response.ok(out, MediaType.APPLICATION_OCTET_STREAM_TYPE)
        .header("Content-Disposition", "attachment; filename=\"" + name + "\"")
        .header("Content-Length", object.response().contentLength()).build();
  }

  @GET
  @Path("/artifacts")
  @Produces(MediaType.APPLICATION_JSON)
  @Authorize(Permission.READ)
  @Operation(summary = "List the artifacts directly under path (MLflow's artifact proxy): names, is_dir, file_size")
  public String list(@QueryParam("path") String path) {
    return listing(store.list(path));
  }

  @DELETE
  @Path("/artifacts/{path: .+}")
  @Produces(MediaType.APPLICATION_JSON)
  @Authorize(Permission.DELETE)
  @Operation(summary = "Delete an artifact, or every artifact under a directory (MLflow's artifact proxy)")
  public String delete(@PathParam("path") String path) {
    store.delete(path);
    return "{}";
  }

  /** MLflow's {@code ListArtifacts.Response}: {@code files} left out when empty, as MLflow's server writes it. */
  static String listing(List<MlflowArtifactStore.FileInfo> files) {
    if (files.isEmpty()) {
      return "{}";
    }
    return MlflowJson.write(Map.of("files", files.stream().map(MlflowArtifactsResource::fileInfo).toList()));
  }

  static Map<String, Object> fileInfo(MlflowArtifactStore.FileInfo f) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("path", f.path());
    o.put("is_dir", f.isDir());
    if (f.fileSize() != null) {
      o.put("file_size", f.fileSize());
    }
    return o;
  }
}
