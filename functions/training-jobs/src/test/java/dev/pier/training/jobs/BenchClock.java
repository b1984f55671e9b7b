package dev.pier.training.jobs;

import java.lang.management.ManagementFactory;

/**
 * CPU time for the bookkeeping figures: the whole test JVM's (every thread: the test's, the in-process DynamoDB
 * stand-in's, the JIT and GC), which on a machine shared with other work says more than the wall time does.
 */
final class BenchClock {
  private BenchClock() {}

  static long cpuNanos() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
  }
}
