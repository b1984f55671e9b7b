package dev.pier.training.script;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.pier.kernel.PierException;
import dev.pier.kernel.engine.Framework;
import dev.pier.training.jobs.Fields;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A script-mode job's trainer ({@code "algorithm": "script"}): the user's command (locally) or container image (in
 * AWS) run under SageMaker's training contract, its metrics read from its log by {@code metric_definitions}
 * (SageMaker's {@code MetricDefinitions}: a name and a regex whose first group is the value), its model the file it
 * writes to {@code SM_MODEL_DIR}.
 *
 * @param command the program and its arguments, run in {@code sourceDir} (locally)
 * @param sourceDir the directory the command runs in (locally), or null for the server's working directory
 * @param image the training image in AWS (SageMaker's {@code AlgorithmSpecification.TrainingImage}), or null
 * @param framework the Pier framework the model file is registered as ({@code onnx}, {@code pytorch}, …)
 * @param modelFile the file in the model directory that is the model, or null for the only file there
 * @param goal {@code maximize} or {@code minimize} the job's metric
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScriptSpec(List<String> command, String sourceDir, String image, String framework, String modelFile,
    List<MetricDefinition> metricDefinitions, String goal) {

  /** One metric read from the log: every match of {@code regex} is a value (its first group), in order. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record MetricDefinition(String name, String regex) {
    public Pattern pattern() {
      return Pattern.compile(regex);
    }
  }

  private static final Set<String> FIELDS = Set.of("command", "source_dir", "image", "framework", "model_file",
      "metric_definitions", "goal");
  private static final Pattern FILE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  public boolean maximize() {
    return goal.equals("maximize");
  }

  /** The definition named {@code metric}, or a 400 listing the defined ones. */
  public MetricDefinition definition(String metric) {
    return metricDefinitions.stream().filter(d -> d.name().equals(metric)).findFirst()
        .orElseThrow(() -> PierException.badRequest("metric '" + metric + "' is not one of script.metric_definitions ("
            + String.join(", ", metricDefinitions.stream().map(MetricDefinition::name).toList())
            + "): a script job's metric is read from its log by one of them"));
  }

  /** Parses {@code script} of a job body: a 400 naming the field for anything wrong. */
  public static ScriptSpec parse(JsonNode s) {
    if (s == null || s.isNull() || !s.isObject()) {
      throw PierException.badRequest("algorithm script needs 'script': {\"command\": [\"python3\", \"train.py\"],"
          + " \"framework\": \"onnx\", \"metric_definitions\": [{\"name\", \"regex\"}]}");
    }
    Fields.object(s, FIELDS, "script");
    List<String> command = new ArrayList<>();
    JsonNode c = s.get("command");
    if (c != null && c.isTextual()) {
      for (String part : c.asText().trim().split("\\s+")) {
        if (!part.isEmpty()) {
          command.add(part);
        }
      }
    } else if (c != null && c.isArray()) {
      c.forEach(p -> {
        if (!p.isTextual()) {
          throw PierException.badRequest("script.command must be strings: the program and its arguments");
        }
        command.add(p.asText());
      });
    }
    String image = Fields.text(s, "image");
    if (command.isEmpty() && image == null) {
      throw PierException.badRequest("script.command is required (e.g. [\"python3\", \"train.py\"]; or script.image"
          + " for a job trained in AWS)");
    }
    String framework = Fields.required(s, "framework").toLowerCase(Locale.ROOT);
    if (Framework.parse(framework) == null) {
      throw PierException.badRequest("script.framework must be one of " + Framework.ids() + ", not '" + framework
          + "'");
    }
    String modelFile = Fields.text(s, "model_file");
    if (modelFile != null && !FILE.matcher(modelFile).matches()) {
      throw PierException.badRequest("script.model_file must be a file name in the model directory, not '"
          + modelFile + "'");
    }
    JsonNode defs = s.get("metric_definitions");
    if (defs == null || !defs.isArray() || defs.isEmpty()) {
      throw PierException.badRequest("script.metric_definitions is required: [{\"name\": \"validation:auc\","
          + " \"regex\": \"validation-auc=([0-9.]+)\"}], how the job's metric is read from the script's log");
    }
    List<MetricDefinition> definitions = new ArrayList<>();
    for (JsonNode d : defs) {
      Fields.object(d, Set.of("name", "regex"), "script.metric_definitions[]");
      String name = Fields.required(d, "name");
      String regex = Fields.required(d, "regex");
      try {
        if (Pattern.compile(regex).matcher("").groupCount() < 1) {
          throw PierException.badRequest("script.metric_definitions '" + name + "': regex '" + regex
              + "' has no group: its first group is the value");
        }
      } catch (PatternSyntaxException e) {
        throw PierException.badRequest("script.metric_definitions '" + name + "': regex is invalid: "
            + e.getDescription());
      }
      if (definitions.stream().anyMatch(x -> x.name().equals(name))) {
        throw PierException.badRequest("script.metric_definitions names '" + name + "' twice");
      }
      definitions.add(new MetricDefinition(name, regex));
    }
    String goal = Fields.text(s, "goal");
    goal = goal == null ? null : goal.toLowerCase(Locale.ROOT);
    if (goal != null && !goal.equals("maximize") && !goal.equals("minimize")) {
      throw PierException.badRequest("script.goal must be maximize or minimize, not '" + goal + "'");
    }
    return new ScriptSpec(List.copyOf(command), Fields.text(s, "source_dir"), image, framework, modelFile,
        List.copyOf(definitions), goal);
  }

  /** With {@code goal} decided for {@code metric}: as given, else from the metric's name; a 400 when neither says. */
  public ScriptSpec forMetric(String metric) {
    definition(metric);
    if (goal != null) {
      return this;
    }
    String last = metric.toLowerCase(Locale.ROOT).replaceAll(".*[:_/ -]", "");
    String decided;
    if (Set.of("auc", "accuracy", "acc", "f1", "precision", "recall", "r2", "ndcg", "map").contains(last)) {
      decided = "maximize";
    } else if (Set.of("loss", "rmse", "mse", "mae", "error", "logloss", "mape").contains(last)) {
      decided = "minimize";
    } else {
      throw PierException.badRequest("script.goal is required for metric '" + metric
          + "': maximize or minimize (not told by its name)");
    }
    return new ScriptSpec(command, sourceDir, image, framework, modelFile, metricDefinitions, decided);
  }
}
