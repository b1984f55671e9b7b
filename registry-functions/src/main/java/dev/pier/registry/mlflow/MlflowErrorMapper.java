package dev.pier.registry.mlflow;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Answers an {@link MlflowError} in MLflow's error format with its own code; the serving app maps every other failure
 * on {@code /api/2.0/mlflow} paths to the same format by status.
 */
public class MlflowErrorMapper {
  /** MLflow's error body. */
  public record Body(@JsonProperty("error_code") String errorCode, String message) {}

  @ServerExceptionMapper
  public Response mlflow(MlflowError e) {
    return Response.status(e.status).type(MediaType.APPLICATION_JSON_TYPE).entity(new Body(e.code, e.getMessage()))
        .build();
  }
}
