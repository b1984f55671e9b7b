package dev.pier.features;

import dev.pier.kernel.PierException;
import java.util.List;

/** A 400 listing every problem found in a definitions document; nothing of it was applied. */
public final class InvalidDefinitions extends RuntimeException {
  private final List<String> problems;

  public InvalidDefinitions(List<String> problems) {
    super(problems.size() + (problems.size() == 1 ? " problem" : " problems") + " in the definitions, nothing"
        + " applied: " + String.join("; ", problems), null, false, false);
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }

  /** The same failure as Pier's error model carries it (the api maps it to a 400 problem). */
  public PierException asPierException() {
    return PierException.badRequest(getMessage());
  }
}
