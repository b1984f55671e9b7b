/**
 * Incremental per-arm aggregates of an experiment: exposures and metric events are folded into sufficient statistics
 * per arm, metric and day as they arrive, so results cost the new data, never a rescan of the history.
 */
package dev.pier.experiments.metrics;
