package dev.pier.training.script;

import dev.pier.training.Split;
import dev.pier.training.TrainingTable;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A server's stand-in for {@link ScriptProcessesTest}, run in its own JVM: cross-validates a script-mode trial whose
 * script sleeps, under {@code args[0]} as the script work folder, until the test kills this JVM with SIGKILL.
 */
public final class OrphanedScriptMain {
  private OrphanedScriptMain() {}

  public static void main(String[] args) {
    float[][] columns = {{1, 2, 3, 4, 5, 6}};
    float[] labels = {0, 1, 0, 1, 0, 1};
    TrainingTable table = new TrainingTable("y", List.of("x"), columns, labels, null);
    ScriptSpec spec = new ScriptSpec(List.of("sh", "-c", "sleep 600"), null, null, "onnx", null, List.of(),
        "maximize");
    new ScriptModelTrainer(spec, Path.of(args[0]).resolve("tj-orphan"), 0).crossValidate(table,
        List.of(new Split(new int[] {0, 1, 2, 3}, new int[] {4, 5})), Map.of(), "auc", 1, (step, mean) -> { });
  }
}
