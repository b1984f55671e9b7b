package dev.pier.experiments;

/**
 * One arm of an experiment: a model {@code version} (or a flag {@code variant}) and the share of units it gets.
 * The first arm is the control.
 */
public record Arm(String name, Integer version, String variant, double weight) {}
