package dev.pier.api.inference;

import org.junit.jupiter.api.Test;

/**
 * Runs {@link HotPathCost} under surefire (its test class path): not in the suite (the name matches no test pattern);
 * {@code ./mvnw -pl functions/api test -Dtest=HotPathCostRun -Dsurefire.failIfNoSpecifiedTests=false
 * -Dpier.fixtures=$PWD/tests/fixtures/models -Dcalls=200000 -Drounds=5}.
 */
class HotPathCostRun {
  @Test
  void run() throws Exception {
    HotPathCost.main(new String[] {System.getProperty("calls", "200000"), System.getProperty("rounds", "5")});
  }
}
