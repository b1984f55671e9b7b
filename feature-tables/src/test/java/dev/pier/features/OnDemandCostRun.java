package dev.pier.features;

import org.junit.jupiter.api.Test;

/**
 * Runs {@link OnDemandCost} under surefire: not in the suite (the name matches no test pattern);
 * {@code ./mvnw -pl feature-tables test -Dtest=OnDemandCostRun -Dsurefire.failIfNoSpecifiedTests=false
 * -Dcalls=200000 -Drounds=3}.
 */
class OnDemandCostRun {
  @Test
  void run() {
    OnDemandCost.main(new String[] {System.getProperty("calls", "200000"), System.getProperty("rounds", "3")});
  }
}
