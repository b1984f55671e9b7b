package dev.pier.api;

import dev.pier.api.inference.InferenceResource;
import java.util.List;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.models.Components;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.Schema;

/**
 * The OIP infer routes' request body and 200 answer, written once for both routes ({@code POST
 * /v2/models/{model}/infer} and {@code …/versions/{version}/infer}, {@link InferenceResource}): shared components
 * ({@code #/components/requestBodies/InferenceRequest}, {@code #/components/responses/InferenceResponse}) that each
 * route's operation refers to. Applied by {@link OpenApiErrorResponses} (the app's {@code mp.openapi.filter}), so the
 * document written at build time has it too.
 */
final class InferDocumentation {
  static final String REQUEST = "InferenceRequest";
  static final String RESPONSE = "InferenceResponse";
  static final List<String> PATHS = List.of("/v2/models/{model}/infer", "/v2/models/{model}/versions/{version}/infer");

  private InferDocumentation() {}

  static void apply(OpenAPI openApi, Components components) {
    if (openApi.getPaths() == null) {
      return;
    }
    boolean any = false;
    for (String path : PATHS) {
      PathItem item = openApi.getPaths().getPathItem(path);
      Operation post = item == null ? null : item.getPOST();
      if (post == null) {
        continue;
      }
      any = true;
      post.setRequestBody(OASFactory.createRequestBody().ref("#/components/requestBodies/" + REQUEST));
      if (post.getResponses() == null) {
        post.setResponses(OASFactory.createAPIResponses());
      }
      post.getResponses().addAPIResponse("200",
          OASFactory.createAPIResponse().ref("#/components/responses/" + RESPONSE));
    }
    if (!any) {
      return;
    }
    components.addRequestBody(REQUEST, OASFactory.createRequestBody().required(true)
        .description("An OIP inference request: JSON, or with the binary tensor extension a JSON header of"
            + " Inference-Header-Content-Length bytes followed by the raw tensors")
        .content(content("OIP $inference_request: id, parameters, inputs [{name, shape, datatype, data}], outputs",
            InferenceResource.INFER_REQUEST_EXAMPLE)));
    components.addResponse(RESPONSE, OASFactory.createAPIResponse()
        .description("The OIP inference response (binary tensors when the request asked for them;"
            + " X-Pier-Experiment names the experiment arm that answered, if any)")
        .content(content("OIP $inference_response: model_name, model_version, id, parameters,"
            + " outputs [{name, shape, datatype, data}]", InferenceResource.INFER_RESPONSE_EXAMPLE)));
  }

  /** JSON described by {@code description} with its example, or binary tensors. */
  private static Content content(String description, String example) {
    return OASFactory.createContent()
        .addMediaType("application/json", OASFactory.createMediaType()
            .schema(OASFactory.createSchema().addType(Schema.SchemaType.OBJECT).description(description))
            .addExample("iris", OASFactory.createExample().value(OpenApiErrorResponses.parse(example))))
        .addMediaType("application/octet-stream", OASFactory.createMediaType()
            .schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING).format("binary")));
  }
}
