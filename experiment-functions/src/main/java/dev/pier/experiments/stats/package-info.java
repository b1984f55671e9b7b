/**
 * Statistics for comparing an experiment's arms, computed from sufficient statistics ({@link
 * dev.pier.experiments.stats.MetricSums}) so a refresh never rereads raw events. Distributions come from Hipparchus;
 * each test's reference values are checked against SciPy (see {@code src/test/resources/stats/README.md}).
 */
package dev.pier.experiments.stats;
