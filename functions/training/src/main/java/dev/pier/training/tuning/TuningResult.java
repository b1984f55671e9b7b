package dev.pier.training.tuning;

import java.util.List;

/**
 * A finished search.
 *
 * @param trials every trial of the search (resumed ones included), by number
 * @param best the complete trial with the best value (the lowest number on a tie), or null if none completed
 * @param stop why no more trials were started: {@code max_trials}, {@code grid_exhausted}, {@code patience} or
 *     {@code target}
 */
public record TuningResult(List<Trial> trials, Trial best, String stop) {}
