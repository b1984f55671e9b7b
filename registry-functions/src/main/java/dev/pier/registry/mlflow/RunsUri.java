package dev.pier.registry.mlflow;

import dev.pier.kernel.PierException;

/**
 * MLflow's {@code runs:/<run_id>/<path>}: an artifact path inside a run's artifacts, how
 * {@code mlflow.register_model("runs:/…/model", name)} names a logged model.
 *
 * @param path the path under the run's artifact root; empty for the root itself
 */
record RunsUri(String runId, String path) {
  static final String SCHEME = "runs:";

  /** The run and path of a {@code runs:} URI, null for any other source; 400 when it names no run. */
  static RunsUri parse(String source) {
    if (source == null || !source.startsWith(SCHEME)) {
      return null;
    }
    String rest = source.substring(SCHEME.length()).replaceAll("^/+", "").replaceAll("/+$", "");
    int slash = rest.indexOf('/');
    String run = slash < 0 ? rest : rest.substring(0, slash);
    if (run.isEmpty()) {
      throw PierException.badRequest("source '" + source + "' names no run: use runs:/<run_id>/<path>");
    }
    return new RunsUri(run, slash < 0 ? "" : MlflowArtifactStore.checked(rest.substring(slash + 1)));
  }
}
