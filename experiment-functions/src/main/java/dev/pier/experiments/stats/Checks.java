package dev.pier.experiments.stats;

/** Argument checks shared by the tests; messages name the argument. */
final class Checks {

  static void level(String name, double value) {
    if (!(value > 0 && value < 1)) throw new IllegalArgumentException(name + " must lie in (0, 1), got " + value);
  }

  static void counts(long n, long successes) {
    if (n <= 0) throw new IllegalArgumentException("an arm needs at least one unit, got n=" + n);
    if (successes < 0 || successes > n) {
      throw new IllegalArgumentException("successes must lie in [0, n], got " + successes + " of " + n);
    }
  }

  private Checks() {}
}
