package dev.pier.api.lambda;

import dev.pier.kernel.PierException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;

/**
 * Training's routes in the Lambda zip: training (module functions/training-jobs, with its trainer and dataset readers)
 * is served by the plain server only, so the zip does not carry it and these paths answer 501 naming where training
 * runs, as they did when the module was in the zip, rather than 404.
 */
@Path("/api/v1/{domain: training-jobs|datasets|costs}")
public class TrainingNotServed {
  private static final String WHY = "this server runs no training: datasets, training jobs and their costs are served"
      + " by the plain server";

  @GET
  public Object get() {
    throw PierException.notImplemented(WHY);
  }

  @GET
  @Path("{rest: .+}")
  public Object getUnder() {
    throw PierException.notImplemented(WHY);
  }

  @POST
  public Object post() {
    throw PierException.notImplemented(WHY);
  }

  @POST
  @Path("{rest: .+}")
  public Object postUnder() {
    throw PierException.notImplemented(WHY);
  }
}
