package dev.pier.training;

/**
 * One division of rows into a training and a test part, each in ascending row order.
 *
 * @param train the rows to fit on
 * @param test the rows to score (a cross-validation fold's validation rows, or the holdout)
 */
public record Split(int[] train, int[] test) {}
