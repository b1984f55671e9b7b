package dev.pier.api.inference;

import dev.pier.api.Caller;

import dev.pier.batch.ChunkPlanner;
import dev.pier.batch.ChunkScorer;
import dev.pier.batch.InputFormat;
import dev.pier.kernel.PierException;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.security.Authorize;
import dev.pier.registry.ModelVersion;
import dev.pier.runtime.Budget;
import dev.pier.runtime.prediction.PredictionCall;
import dev.pier.runtime.prediction.PredictionPipeline;
import dev.pier.runtime.prediction.WayIn;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.PredictionService;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Streaming predictions over HTTP: {@code application/x-ndjson} in, one instance per line — an object of the model's
 * input names to that row's values, plus an optional {@code id} (default: the line number) — and NDJSON out, one line
 * per instance ({@code {"id": 7, "<output>": ...}}) or, for an instance that cannot be scored,
 * {@code {"id": 7, "error": "..."}}. Lines are read, scored and answered in blocks, so memory stays bounded however
 * many rows a client pushes over one connection; rows are combined into batched model calls as in batch scoring,
 * with the same row format. The whole stream is answered by one version, resolved at its start (with
 * {@code X-Pier-Unit}, an experiment's arm: {@code X-Pier-Experiment} says which).
 */
@Tag(name = "Inference")
@Path("/api/v1/models")
@Blocking
public class PredictStreamResource {
  public static final String NDJSON = "application/x-ndjson";
  /** Rows scored per block, and the largest block in bytes: what one stream holds in memory at most. */
  static final int BLOCK_ROWS = 4096;
  static final int BLOCK_BYTES = 4 << 20;
  static final int MAX_LINE_BYTES = 1 << 20;

  private final PredictionService predictions;
  private final PredictionPipeline pipeline;
  private final Caller caller;

  public PredictStreamResource(PredictionService predictions, Predictions pipeline, Caller caller) {
    this.predictions = predictions;
    this.pipeline = pipeline.pipeline();
    this.caller = caller;
  }

  @APIResponse(responseCode = "200", description = "One JSON object per input row, in order (X-Pier-Model-Version)",
      content = @Content(mediaType = "application/x-ndjson",
          schema = @Schema(type = SchemaType.OBJECT,
              description = "One line per row: the row's predictions, output name to value")))
  @Operation(summary = "Predict a stream of rows (JSON Lines or CSV)")
  @POST
  @Path("/{model}/predict-stream")
  @Consumes(NDJSON)
  @Produces(NDJSON)
  @Authorize(Permission.PREDICT)
  public Response stream(@PathParam("model") String model, @QueryParam("version") String reference,
      @HeaderParam(InferenceResource.UNIT_HEADER) String unit,
      @HeaderParam(InferenceResource.ATTRIBUTES_HEADER) String attributes, InputStream body) {
    // the caller, read now: the rows are scored after this method returns, outside the request scope
    String principal = caller.principalId();
    String requestId = caller.requestId();
    String subject = caller.subject();
    // one version for the whole stream, fixed by the pipeline's resolve stages (alias, canary, experiment arm by
    // X-Pier-Unit); each block is then scored with its number
    PredictionCall resolving = new PredictionCall(WayIn.STREAM, model, reference, principal, requestId, subject,
        System.nanoTime(), Budget.WAIT).unit(unit).attributes(attributes);
    ModelVersion version = pipeline.resolve(resolving);
    Signature signature = predictions.signature(version);
    String answering = Integer.toString(version.version());
    ChunkScorer scorer = new ChunkScorer(signature, 1024, inputs -> pipeline.answer(new PredictionCall(WayIn.STREAM,
        model, answering, principal, requestId, subject, System.nanoTime(), Budget.WAIT)
        .request(new InferenceRequest(requestId, inputs, List.of()))).outputs());
    StreamingOutput out = sink -> pump(body, sink, scorer);
    Response.ResponseBuilder ok = Response.ok(out, NDJSON).header("X-Pier-Model-Version", version.version());
    return resolving.experiment() == null ? ok.build()
        : ok.header(OipAnswer.EXPERIMENT_HEADER, resolving.experiment()).build();
  }

  private static void pump(InputStream in, OutputStream sink, ChunkScorer scorer) throws IOException {
    ByteArrayOutputStream block = new ByteArrayOutputStream(64 << 10);
    long firstLine = 1;
    int rows = 0;
    int lineBytes = 0;
    int b;
    byte[] buffer = new byte[8192];
    int n;
    int index = 0;
    while ((n = in.read(buffer)) > 0) {
      for (int i = 0; i < n; i++) {
        b = buffer[i];
        block.write(b);
        lineBytes++;
        if (b == '\n') {
          rows++;
          lineBytes = 0;
          if (rows >= BLOCK_ROWS || block.size() >= BLOCK_BYTES) {
            firstLine = flush(block, rows, firstLine, index++, scorer, sink);
            rows = 0;
          }
        } else if (lineBytes > MAX_LINE_BYTES) {
          throw new PierException(413, "line " + (firstLine + rows) + " is longer than " + MAX_LINE_BYTES + " bytes");
        }
      }
    }
    if (block.size() > 0) {
      flush(block, rows + (lineBytes > 0 ? 1 : 0), firstLine, index, scorer, sink);
    }
  }

  private static long flush(ByteArrayOutputStream block, int rows, long firstLine, int index, ChunkScorer scorer,
      OutputStream sink) throws IOException {
    byte[] data = block.toByteArray();
    block.reset();
    ChunkScorer.Scored scored = scorer.score(data, new ChunkPlanner.Chunk(index, 0, data.length, firstLine, rows),
        InputFormat.JSONL, null);
    sink.write(scored.results());
    sink.write(scored.errors());
    sink.flush();
    return firstLine + rows;
  }
}
