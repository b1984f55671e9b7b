/**
 * Online experiments: the statistics that judge them ({@code stats}), deterministic sticky assignment
 * ({@code assignment}) and incremental per-arm aggregates of exposures and metric events ({@code metrics}).
 */
package dev.pier.experiments;
