package dev.pier.features.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializable;
import dev.pier.features.FeaturePush;
import dev.pier.features.FeatureStore;
import dev.pier.kernel.security.Permission;
import dev.pier.kernel.security.Authorize;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Feast's feature server at the root, so Feast users' code and clients work: online reads and push. */
@Tag(name = "Features")
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class FeastResource {
  @Inject FeatureStore features;
  @Inject OnlineReads reads;

  @APIResponse(responseCode = "200", description = "The features of each entity row",
      content = @Content(mediaType = "application/json",
          schema = @Schema(type = SchemaType.OBJECT,
              description = "Feast's online response: metadata.feature_names and results, one {values, statuses,"
                  + " event_timestamps} per feature, in request order")))
  @Operation(summary = "Get online features (Feast)")
  @POST
  @Path("get-online-features")
  @Authorize(Permission.FEATURES_READ)
  public CompletionStage<JsonSerializable> getOnlineFeatures(JsonNode body) {
    return reads.answer(features, body); // on the I/O thread or a worker: see OnlineReads
  }

  @Operation(summary = "Push feature rows (Feast)")
  @POST
  @Path("push")
  @Authorize(Permission.FEATURES_WRITE)
  public FeaturePush.PushResult push(JsonNode body) {
    return push(features, body);
  }

  /** The answer streams itself to the response (see {@link dev.pier.features.FeastJson#answer}), read on the calling thread. */
  static JsonSerializable online(FeatureStore features, JsonNode body) {
    return OnlineReads.read(features, FeatureRequests.online(body));
  }

  static FeaturePush.PushResult push(FeatureStore features, JsonNode body) {
    FeatureRequests.object(body, java.util.Set.of("push_source_name", "df", "to", "allow_registry_cache"));
    return features.push().push(FeatureRequests.text(body, "push_source_name"), body.get("df"),
        FeaturePush.Target.parse(FeatureRequests.text(body, "to")));
  }
}
