package dev.pier.monitoring.http;

import org.eclipse.microprofile.openapi.annotations.Operation;

import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import dev.pier.monitoring.FeedbackStore;
import dev.pier.monitoring.ReferenceLoader;
import dev.pier.monitoring.capture.FeedbackListener;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Set;

/**
 * {@code POST /api/v1/feedback}: ground truth for captured predictions, by the {@code X-Request-Id} Pier answered (or
 * an async prediction's id) and row, inline or from a CSV/JSON Lines/Parquet file in S3. Labels are stored whether or
 * not their prediction was captured (they may arrive before its capture is written, or for a version without a
 * monitor); runs join what has arrived and count the rest as unlabelled. Each {@link FeedbackListener} is then told
 * of them (experiments with feedback metrics). Needs {@code predict}: whoever sends predictions may send their outcomes.
 */
@Tag(name = "Monitoring")
@Path("/api/v1/feedback")
@Produces(MediaType.APPLICATION_JSON)
public class FeedbackResource {
  @Inject FeedbackStore feedback;
  @Inject ReferenceLoader files;
  /** Told of the labels once stored: the experiments' feedback metrics join them to their predictions. */
  @Inject jakarta.enterprise.inject.Instance<FeedbackListener> listeners;

  /**
   * What was stored: every label. Whether their predictions were captured is found by the runs, which join labels to
   * the captured rows of their windows and report {@code feedback: {matched, unmatched}}.
   */
  public record Accepted(int accepted) {
  }

  @Operation(summary = "Send ground truth for captured predictions (inline or an S3 file)")
  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Authorize(Permission.PREDICT)
  public Accepted post(JsonNode body) {
    List<FeedbackStore.Feedback> items;
    if (body != null && body.isObject() && body.has("uri")) {
      for (var it = body.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!Set.of("uri", "format").contains(f)) {
          throw PierException.badRequest("unknown field '" + f + "'; a file of labels is {\"uri\", \"format\"}");
        }
      }
      if (!body.get("uri").isTextual()) {
        throw PierException.badRequest("uri must be an s3://bucket/key location");
      }
      String uri = body.get("uri").asText();
      String format = body.path("format").isTextual() ? body.get("format").asText() : null;
      items = FeedbackStore.parseRows(uri, files.dataset("uri", uri, format));
    } else {
      items = FeedbackStore.parse(body);
    }
    FeedbackStore.Recorded recorded = feedback.record(items);
    if (listeners.iterator().hasNext()) {
      List<FeedbackListener.Label> labels = items.stream()
          .map(f -> new FeedbackListener.Label(f.requestId(), f.row(), f.label())).toList();
      for (FeedbackListener listener : listeners) {
        listener.received(labels);
      }
    }
    return new Accepted(recorded.accepted());
  }
}
