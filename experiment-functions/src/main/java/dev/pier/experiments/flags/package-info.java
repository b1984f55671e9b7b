/**
 * Feature flags: typed flags with variants, targeting rules on attributes and percentage rollouts that place units
 * with the experiments' {@link dev.pier.experiments.assignment.UnitHash}, evaluated locally ({@link
 * dev.pier.experiments.flags.FlagEvaluator}) by the server and by the OpenFeature provider alike.
 */
package dev.pier.experiments.flags;
