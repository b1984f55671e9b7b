package dev.pier.registry.api;

import dev.pier.kernel.engine.Framework;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.PierException;
import dev.pier.kernel.json.RequestJson;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.CallerIdentity;
import dev.pier.kernel.security.Permission;
import dev.pier.registry.ModelCard;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.Names;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Model cards: {@code PUT …/versions/{v}/card} with {@code markdown}, {@code intended_use}, {@code limitations},
 * {@code evaluation_data}, {@code evaluation_results} (metric → number) and {@code fairness_notes}; read back as JSON
 * ({@code GET …/card}) or rendered as an HTML page ({@code GET …/card.html}, raw HTML in the markdown escaped).
 */
@Tag(name = "Registry")
@Path("/api/v1/models")
@Blocking
public class ModelCardResource {
  private static final ObjectMapper JSON = RequestJson.mapper();
  private static final Parser MARKDOWN = Parser.builder().build();
  private static final HtmlRenderer HTML = HtmlRenderer.builder().escapeHtml(true).sanitizeUrls(true).build();
  private final ModelRegistry registry;
  private final CallerIdentity caller;

  public ModelCardResource(ModelRegistry registry, CallerIdentity caller) {
    this.registry = registry;
    this.caller = caller;
  }

  @APIResponse(responseCode = "200", description = "The card (ETag: its revision)",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = CardJson.class)))
  @Operation(summary = "Write a version's model card")
  @PUT
  @Path("/{model}/versions/{version}/card")
  @Produces(MediaType.APPLICATION_JSON)
  @Authorize(Permission.REGISTER)
  public Response put(@PathParam("model") String model, @PathParam("version") String version,
      @HeaderParam("If-Match") String ifMatch, byte[] body) {
    JsonNode n;
    try {
      n = body == null || body.length == 0 ? null : JSON.readTree(body);
    } catch (IOException e) {
      throw RequestJson.malformed(e);
    }
    if (n == null || !n.isObject()) {
      throw PierException.badRequest("the card must be a JSON object");
    }
    Map<String, Double> results = new TreeMap<>();
    n.path("evaluation_results").fields().forEachRemaining(e -> {
      if (!e.getValue().isNumber()) {
        throw PierException.badRequest("evaluation_results." + e.getKey() + " must be a number");
      }
      results.put(e.getKey(), e.getValue().doubleValue());
    });
    Long expected = ifMatch == null || ifMatch.isBlank() ? null : parseTag(ifMatch);
    ModelCard card = registry.cards().put(model, Names.versionParam(version), new ModelCard(
        text(n, "markdown"), text(n, "intended_use"), text(n, "limitations"), text(n, "evaluation_data"), results,
        text(n, "fairness_notes"), null, null, 0), expected, caller.principal());
    return Response.ok(json(model, version, card)).tag(Long.toString(card.revision())).build();
  }

  @APIResponse(responseCode = "200", description = "The card (ETag: its revision)",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = CardJson.class)))
  @Operation(summary = "Get a version's model card")
  @GET
  @Path("/{model}/versions/{version}/card")
  @Produces(MediaType.APPLICATION_JSON)
  @Authorize(Permission.READ)
  public Response get(@PathParam("model") String model, @PathParam("version") String version) {
    ModelCard card = registry.cards().get(model, Names.versionParam(version));
    return Response.ok(json(model, version, card)).tag(Long.toString(card.revision())).build();
  }

  @Operation(summary = "Get a version's model card as HTML")
  @GET
  @Path("/{model}/versions/{version}/card.html")
  @Produces(MediaType.TEXT_HTML)
  @Authorize(Permission.READ)
  public String html(@PathParam("model") String model, @PathParam("version") String version) {
    int number = Names.versionParam(version);
    ModelVersion v = registry.version(model, number);
    ModelCard card = registry.cards().get(model, number);
    StringBuilder h = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
        .append(escape(model)).append(" v").append(number).append(" — model card</title></head><body>\n<h1>")
        .append(escape(model)).append(" <small>version ").append(number).append("</small></h1>\n<p>")
        .append(v.framework() == null ? "" : "Framework: " + escape(v.framework().id()) + ". ")
        .append("Review status: ").append(v.governance().status()).append(". Registered ").append(v.createdAt())
        .append(v.governance().createdBy() == null ? "" : " by " + escape(v.governance().createdBy())).append(".</p>\n");
    section(h, "Intended use", card.intendedUse());
    section(h, "Limitations", card.limitations());
    section(h, "Evaluation data", card.evaluationData());
    if (!card.evaluationResults().isEmpty()) {
      h.append("<h2>Evaluation results</h2>\n<table><tr><th>metric</th><th>value</th></tr>\n");
      card.evaluationResults().forEach((k, x) -> h.append("<tr><td>").append(escape(k)).append("</td><td>")
          .append(x).append("</td></tr>\n"));
      h.append("</table>\n");
    }
    section(h, "Fairness", card.fairnessNotes());
    if (card.markdown() != null) {
      h.append("<hr>\n").append(HTML.render(MARKDOWN.parse(card.markdown())));
    }
    return h.append("</body></html>\n").toString();
  }

  private static void section(StringBuilder h, String title, String text) {
    if (text != null && !text.isBlank()) {
      h.append("<h2>").append(title).append("</h2>\n").append(HTML.render(MARKDOWN.parse(text)));
    }
  }

  /** A card as {@code GET …/card} answers it; absent texts are null. */
  record CardJson(String model, int version, String markdown, @JsonProperty("intended_use") String intendedUse,
      String limitations, @JsonProperty("evaluation_data") String evaluationData,
      @JsonProperty("fairness_notes") String fairnessNotes,
      @JsonProperty("evaluation_results") Map<String, Double> evaluationResults,
      @JsonProperty("updated_by") String updatedBy, @JsonProperty("updated_at") String updatedAt, long revision) {}

  private static CardJson json(String model, String version, ModelCard c) {
    return new CardJson(model, Integer.parseInt(version), c.markdown(), c.intendedUse(), c.limitations(),
        c.evaluationData(), c.fairnessNotes(), new TreeMap<>(c.evaluationResults()), c.updatedBy(),
        c.updatedAt().toString(), c.revision());
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw PierException.badRequest(field + " must be a string");
    }
    return v.asText();
  }

  private static Long parseTag(String ifMatch) {
    try {
      return Long.parseLong(ifMatch.strip().replaceFirst("^W/", "").replace("\"", ""));
    } catch (NumberFormatException e) {
      throw new PierException(412, "If-Match " + ifMatch + " is not an ETag this API gave out");
    }
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
