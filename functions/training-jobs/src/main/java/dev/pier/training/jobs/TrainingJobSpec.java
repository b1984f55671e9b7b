package dev.pier.training.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.pier.kernel.PierException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What a training job asks for, as {@code POST /api/v1/training-jobs} (or {@code ./pier train job.yaml}) sends it.
 * Parsing checks shapes and names (a 400 naming the field); {@link TrainingJobs#submit} then checks it against the
 * data (label and feature columns, folds against rows) before anything runs.
 *
 * @param dataset a recorded dataset ({@code name} or {@code name@version}) or files to record ({@link DataRef})
 * @param params XGBoost's parameters under SageMaker's names ({@code num_round}, …)
 * @param tuning the search, or null for one trial of {@code params}
 * @param source the code reference the job's runs are tagged with ({@code mlflow.source.git.*}), or null
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainingJobSpec(String name, String project, DataRef dataset, String algorithm,
    Map<String, Object> params, String metric, SplitSpec split, CvSpec cv, Tuning tuning, RegisterSpec register,
    long seed, Resources resources, String priority, Source source, dev.pier.training.script.ScriptSpec script) {

  public TrainingJobSpec(String name, String project, DataRef dataset, String algorithm, Map<String, Object> params,
      String metric, SplitSpec split, CvSpec cv, Tuning tuning, RegisterSpec register, long seed, Resources resources,
      String priority, Source source) {
    this(name, project, dataset, algorithm, params, metric, split, cv, tuning, register, seed, resources, priority,
        source, null);
  }

  /** Whether the job runs the user's script ({@code "algorithm": "script"}) rather than a built-in trainer. */
  public boolean scriptMode() {
    return script != null;
  }

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final Set<String> FIELDS = Set.of("name", "project", "dataset", "algorithm", "params", "metric",
      "split", "cv", "tuning", "register", "seed", "resources", "priority", "label", "features", "source",
      "categorical", "query", "script");
  private static final Pattern COMMIT = Pattern.compile("[0-9a-fA-F]{7,40}");
  static final Set<String> ALGORITHMS = Set.of("xgboost", "script");

  /**
   * The job's data: {@code ref} names a recorded dataset version; else {@code uri} (with {@code format}) names files
   * to record, or {@code feature_service} with {@code entity_source} a point-in-time training set to build.
   * {@code categorical}: the feature columns (string or integer) XGBoost splits on as categories, or null;
   * {@code query}: for a ranking objective, the column whose equal values make one query.
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record DataRef(String ref, String name, String uri, String format, String featureService,
      String entitySource, String label, List<String> features, List<String> categorical, String query) {
    public DataRef(String ref, String name, String uri, String format, String featureService, String entitySource,
        String label, List<String> features) {
      this(ref, name, uri, format, featureService, entitySource, label, features, null, null);
    }

    /** The declared categorical columns; empty when none. */
    public List<String> categoricalColumns() {
      return categorical == null ? List.of() : categorical;
    }
  }

  /** The code that asked for the job: a git commit (7 to 40 hex digits), its repository URL, an entry point. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Source(String gitCommit, String repository, String entryPoint) {}

  /** {@code holdout}: the fraction kept out to evaluate the refit model; {@code mode} random|stratified|last. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record SplitSpec(double holdout, String mode) {}

  /** Cross-validation: {@code kind} kfold|stratified|group|time_series, {@code group} its column, {@code time}. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record CvSpec(int folds, String kind, String group, String time, boolean shuffle) {}

  /** The search: Optuna-style {@code space}, {@code strategy}, {@code max_trials}, {@code parallel}, the rest as given. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Tuning(String strategy, JsonNode space, int maxTrials, int parallel, JsonNode options) {}

  /**
   * Where the refit model goes: a registered model, optionally an alias moved to the new version, and optionally a
   * canary: the new version given {@code weight} of another alias's traffic, the alias staying on its version.
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record RegisterSpec(String model, String alias, CanarySpec canary, ExperimentSpec experiment) {
    public RegisterSpec(String model, String alias) {
      this(model, alias, null, null);
    }

    public RegisterSpec(String model, String alias, CanarySpec canary) {
      this(model, alias, canary, null);
    }
  }

  /**
   * The experiment step after registering: an experiment (issue #16's API) on {@code alias} with two arms, control
   * the alias's version and treatment the new one at {@code weight}; {@code design} the rest of the experiment's body
   * as {@code POST /api/v1/experiments} takes it (name, hypothesis, unit, metrics, design, analysis, auto, …).
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record ExperimentSpec(String alias, double weight, JsonNode design) {
    /** The experiment's body for {@code model}: {@code design} with the two arms and a hypothesis naming the job. */
    public JsonNode body(String model, int control, int treatment, String jobName, String marker) {
      var body = ((com.fasterxml.jackson.databind.node.ObjectNode) design.deepCopy());
      body.put("model", model);
      body.put("alias", alias);
      if (!body.hasNonNull("name")) {
        body.put("name", jobName + ": version " + treatment + " against " + control);
      }
      String hypothesis = body.path("hypothesis").asText("the retrained version does better");
      body.put("hypothesis", hypothesis + " " + marker);
      var arms = body.putArray("arms");
      arms.addObject().put("name", "control").put("version", control).put("weight", round(1 - weight));
      arms.addObject().put("name", "treatment").put("version", treatment).put("weight", round(weight));
      return body;
    }

    private static double round(double w) {
      return Math.round(w * 1e9) / 1e9;
    }
  }

  /** The canary step after registering: {@code weight} in (0, 1) of {@code alias}'s traffic to the new version. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record CanarySpec(String alias, double weight) {}

  /**
   * What the job may use: the instance type its cost is priced at, spot or on demand, and the limits that stop it.
   *
   * @param maxRuntimeSeconds 0 for none
   * @param maxCostUsd 0 for none
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Resources(String instanceType, int instanceCount, boolean spot, long maxRuntimeSeconds,
      double maxCostUsd) {}

  public int parallel() {
    return tuning == null ? 1 : tuning.parallel();
  }

  public int maxTrials() {
    return tuning == null ? 1 : tuning.maxTrials();
  }

  public static TrainingJobSpec parse(JsonNode body) {
    Fields.object(body, FIELDS, "the training job");
    String name = Fields.required(body, "name");
    if (!NAME.matcher(name).matches()) {
      throw PierException.badRequest("name must be letters, digits, '.', '_' or '-' (at most 128), not '" + name + "'");
    }
    String project = Fields.text(body, "project");
    if (project == null) {
      project = "default";
    } else if (!NAME.matcher(project).matches()) {
      throw PierException.badRequest("project must be letters, digits, '.', '_' or '-', not '" + project + "'");
    }
    String algorithm = Fields.text(body, "algorithm");
    algorithm = algorithm == null ? "xgboost" : algorithm.toLowerCase(Locale.ROOT);
    if (!ALGORITHMS.contains(algorithm)) {
      throw PierException.badRequest("unknown algorithm '" + Fields.text(body, "algorithm") + "': xgboost or script");
    }
    dev.pier.training.script.ScriptSpec script = null;
    if (algorithm.equals("script")) {
      script = dev.pier.training.script.ScriptSpec.parse(body.get("script"));
    } else if (body.hasNonNull("script")) {
      throw PierException.badRequest("script is only for \"algorithm\": \"script\", not " + algorithm);
    }
    Map<String, Object> params = new TreeMap<>();
    JsonNode p = body.get("params");
    if (p != null && !p.isNull()) {
      if (!p.isObject()) {
        throw PierException.badRequest("params must be an object of XGBoost parameters (a script's hyperparameters)");
      }
      p.fields().forEachRemaining(e -> params.put(e.getKey(), scalar(e.getValue(), "params." + e.getKey())));
    }
    String metric = Fields.text(body, "metric");
    Long seedValue = body.has("seed") ? (long) Fields.integer(body, "seed") : 0L;
    Tuning tuning = tuning(body.get("tuning"));
    if (dev.pier.training.sagemaker.ModelTuning.requested(tuning) && body.hasNonNull("cv")) {
      throw PierException.badRequest("cv: SageMaker Automatic Model Tuning scores each training job on one validation"
          + " channel (the job's holdout rows), not on cross-validation folds; leave cv out with tuning.service"
          + " sagemaker");
    }
    return new TrainingJobSpec(name, project, dataset(body), algorithm, params, metric == null ? null
        : script != null ? metric : metric.toLowerCase(Locale.ROOT), split(body.get("split")), cv(body.get("cv")), tuning,
        register(body.get("register")), seedValue, resources(body.get("resources")), Fields.text(body, "priority"),
        source(body.get("source")), script);
  }

  private static Source source(JsonNode s) {
    if (s == null || s.isNull()) {
      return null;
    }
    Fields.object(s, Set.of("git_commit", "repository", "entry_point"), "source");
    String commit = Fields.text(s, "git_commit");
    if (commit != null && !COMMIT.matcher(commit).matches()) {
      throw PierException.badRequest("source.git_commit must be a git commit (7 to 40 hex digits), not '" + commit
          + "'");
    }
    return new Source(commit, Fields.text(s, "repository"), Fields.text(s, "entry_point"));
  }

  private static DataRef dataset(JsonNode body) {
    JsonNode d = body.get("dataset");
    String label = Fields.text(body, "label");
    List<String> features = Fields.strings(body, "features");
    List<String> categorical = Fields.strings(body, "categorical");
    String query = Fields.text(body, "query");
    if (d == null || d.isNull()) {
      throw PierException.badRequest("dataset is required: a recorded dataset's name (or name@version), or"
          + " {\"uri\", \"format\", \"label\", \"features\"}");
    }
    if (d.isTextual()) {
      return new DataRef(d.asText(), null, null, null, null, null, label, features, categorical, query);
    }
    Fields.object(d, Set.of("name", "uri", "format", "feature_service", "entity_source", "label", "features",
        "categorical", "query"), "dataset");
    String uri = Fields.text(d, "uri");
    String service = Fields.text(d, "feature_service");
    if ((uri == null) == (service == null)) {
      throw PierException.badRequest("dataset needs either 'uri' (files in S3) or 'feature_service' with"
          + " 'entity_source' (a point-in-time training set)");
    }
    if (service != null && Fields.text(d, "entity_source") == null) {
      throw PierException.badRequest("dataset.entity_source is required with feature_service: an s3:// Parquet file"
          + " of entity keys, event_timestamp and the label");
    }
    String l = Fields.text(d, "label");
    List<String> f = Fields.strings(d, "features");
    List<String> c = Fields.strings(d, "categorical");
    return new DataRef(null, Fields.text(d, "name"), uri, Fields.text(d, "format"), service,
        Fields.text(d, "entity_source"), l != null ? l : label, f != null ? f : features, c != null ? c : categorical,
        Fields.text(d, "query") != null ? Fields.text(d, "query") : query);
  }

  private static SplitSpec split(JsonNode s) {
    if (s == null || s.isNull()) {
      return new SplitSpec(0.2, "random");
    }
    Fields.object(s, Set.of("holdout", "mode"), "split");
    Double h = Fields.number(s, "holdout");
    double holdout = h == null ? 0.2 : h;
    if (!(holdout > 0 && holdout < 1)) {
      throw PierException.badRequest("split.holdout must be between 0 and 1 (exclusive), not " + holdout);
    }
    String mode = Fields.text(s, "mode");
    mode = mode == null ? "random" : mode.toLowerCase(Locale.ROOT);
    if (!Set.of("random", "stratified", "last", "group").contains(mode)) {
      throw PierException.badRequest("split.mode must be random, stratified, last or group, not '" + mode + "'");
    }
    return new SplitSpec(holdout, mode);
  }

  private static CvSpec cv(JsonNode c) {
    if (c == null || c.isNull()) {
      return new CvSpec(5, "kfold", null, null, false);
    }
    Fields.object(c, Set.of("folds", "kind", "group", "time", "shuffle"), "cv");
    Integer folds = Fields.integer(c, "folds");
    String kind = Fields.text(c, "kind");
    kind = kind == null ? "kfold" : kind.toLowerCase(Locale.ROOT);
    if (!Set.of("kfold", "stratified", "group", "time_series").contains(kind)) {
      throw PierException.badRequest("unknown cv.kind '" + kind + "': kfold, stratified, group or time_series");
    }
    int k = folds == null ? 5 : folds;
    if (k < 2) {
      throw PierException.badRequest("cv.folds must be at least 2, not " + k);
    }
    String group = Fields.text(c, "group");
    if (kind.equals("group") && group == null) {
      throw PierException.badRequest("cv.group is required for cv.kind group: the column that keeps rows together");
    }
    String time = Fields.text(c, "time");
    return new CvSpec(k, kind, group, time, c.path("shuffle").asBoolean(false));
  }

  private static Tuning tuning(JsonNode t) {
    if (t == null || t.isNull()) {
      return null;
    }
    if (!t.isObject()) {
      throw PierException.badRequest("tuning must be an object with space, strategy, max_trials, parallel");
    }
    JsonNode space = t.get("space");
    if (space == null || !space.isObject() || space.isEmpty()) {
      throw PierException.badRequest("tuning.space is empty: name at least one parameter to search, e.g."
          + " {\"max_depth\": {\"type\": \"int\", \"low\": 2, \"high\": 8}}");
    }
    String strategy = Fields.text(t, "strategy");
    strategy = strategy == null ? "tpe" : strategy.toLowerCase(Locale.ROOT);
    Integer max = Fields.integer(t, "max_trials");
    Integer parallel = Fields.integer(t, "parallel");
    int m = max == null ? 10 : max;
    int par = parallel == null ? 1 : parallel;
    if (m < 1 || m > 10_000) {
      throw PierException.badRequest("tuning.max_trials must be 1 to 10000, not " + m);
    }
    if (par < 1 || par > 64) {
      throw PierException.badRequest("tuning.parallel must be 1 to 64, not " + par);
    }
    var options = t.deepCopy();
    ((com.fasterxml.jackson.databind.node.ObjectNode) options).remove(List.of("space", "strategy", "max_trials",
        "parallel"));
    return new Tuning(strategy, space, m, par, options);
  }

  private static RegisterSpec register(JsonNode r) {
    if (r == null || r.isNull()) {
      return null;
    }
    Fields.object(r, Set.of("model", "alias", "canary", "experiment"), "register");
    String alias = Fields.text(r, "alias");
    CanarySpec canary = canary(r.get("canary"), alias);
    ExperimentSpec experiment = experiment(r.get("experiment"), alias);
    if (canary != null && experiment != null) {
      throw PierException.badRequest("register takes a canary or an experiment after registering, not both");
    }
    return new RegisterSpec(Fields.required(r, "model"), alias, canary, experiment);
  }

  private static ExperimentSpec experiment(JsonNode e, String registerAlias) {
    if (e == null || e.isNull()) {
      return null;
    }
    if (!e.isObject()) {
      throw PierException.badRequest("register.experiment must be an object: the experiment's design as"
          + " POST /api/v1/experiments takes it, without model and arms");
    }
    for (String set : List.of("model", "arms")) {
      if (e.has(set)) {
        throw PierException.badRequest("register.experiment." + set + " is set by the job: the model is"
            + " register.model, the arms control (the alias's version) and treatment (the new version)");
      }
    }
    String alias = Fields.text(e, "alias");
    alias = alias == null ? "production" : alias;
    if (alias.equals(registerAlias)) {
      throw PierException.badRequest("register.experiment.alias '" + alias + "' is also register.alias: an alias"
          + " either moves to the new version or runs an experiment between its version and the new one");
    }
    Double weight = Fields.number(e, "weight");
    double w = weight == null ? 0.5 : weight;
    if (!(w > 0 && w < 1)) {
      throw PierException.badRequest("register.experiment.weight (the new version's share) must be between 0 and 1"
          + " (exclusive), not " + w);
    }
    var design = e.deepCopy();
    ((com.fasterxml.jackson.databind.node.ObjectNode) design).remove(List.of("alias", "weight"));
    return new ExperimentSpec(alias, w, design);
  }

  private static CanarySpec canary(JsonNode c, String registerAlias) {
    if (c == null || c.isNull()) {
      return null;
    }
    Fields.object(c, Set.of("alias", "weight"), "register.canary");
    String alias = Fields.text(c, "alias");
    alias = alias == null ? "production" : alias;
    if (alias.equals(registerAlias)) {
      throw PierException.badRequest("register.canary.alias '" + alias + "' is also register.alias: an alias either"
          + " moves to the new version or keeps its version with the new one as canary");
    }
    Double weight = Fields.number(c, "weight");
    if (weight == null || !(weight > 0 && weight < 1)) {
      throw PierException.badRequest("register.canary.weight must be between 0 and 1 (exclusive), not " + weight);
    }
    return new CanarySpec(alias, weight);
  }

  private static Resources resources(JsonNode r) {
    if (r == null || r.isNull()) {
      return new Resources(null, 1, false, 0, 0);
    }
    Fields.object(r, Set.of("instance_type", "instance_count", "spot", "max_runtime", "max_cost_usd"), "resources");
    Integer count = Fields.integer(r, "instance_count");
    Double cost = Fields.number(r, "max_cost_usd");
    if (cost != null && cost <= 0) {
      throw PierException.badRequest("resources.max_cost_usd must be positive, not " + cost);
    }
    return new Resources(Fields.text(r, "instance_type"), count == null ? 1 : count, r.path("spot").asBoolean(false),
        runtime(r.get("max_runtime")), cost == null ? 0 : cost);
  }

  /** Seconds, or a duration such as {@code 90s}, {@code 30m}, {@code 2h}. */
  private static long runtime(JsonNode v) {
    if (v == null || v.isNull()) {
      return 0;
    }
    if (v.canConvertToLong() && v.isIntegralNumber()) {
      if (v.asLong() <= 0) {
        throw PierException.badRequest("resources.max_runtime must be positive");
      }
      return v.asLong();
    }
    var m = Pattern.compile("(\\d+)\\s*([smh])").matcher(v.asText().trim());
    if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
      throw PierException.badRequest("resources.max_runtime must be seconds or a duration like 90s, 30m, 2h, not '"
          + v.asText() + "'");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "h" -> n * 3600;
      case "m" -> n * 60;
      default -> n;
    };
  }

  private static Object scalar(JsonNode v, String where) {
    if (v.isIntegralNumber()) {
      return v.asLong();
    }
    if (v.isNumber()) {
      return v.asDouble();
    }
    if (v.isBoolean()) {
      return v.asBoolean();
    }
    if (v.isTextual()) {
      return v.asText();
    }
    throw PierException.badRequest(where + " must be a number, string or boolean");
  }
}
