package dev.pier.training.tuning;

import dev.pier.kernel.PierException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every combination of the space's values once, in an order shuffled by the seed (Optuna's {@code GridSampler} also
 * visits the grid in random order): trial {@code n} takes the {@code n}-th combination, so parallel and resumed
 * trials never repeat one. Each parameter must be finite: categorical, int, or float with a {@code step}; at most
 * 100,000 combinations.
 */
public final class GridSampler implements Sampler {
  static final int MAX_POINTS = 100_000;
  private final List<String> names;
  private final List<List<Object>> values;
  private final int[] order;

  public GridSampler(SearchSpace space, long seed) {
    this.names = new ArrayList<>(space.params().keySet());
    this.values = new ArrayList<>();
    long size = 1;
    for (Map.Entry<String, Distribution> e : space.params().entrySet()) {
      List<Object> v = values(e.getKey(), e.getValue());
      values.add(v);
      size *= v.size();
      if (size > MAX_POINTS) {
        throw PierException.badRequest("the grid has more than " + MAX_POINTS
            + " combinations: coarsen tuning.space's steps or use another strategy");
      }
    }
    order = new int[(int) size];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    java.util.Random rng = new java.util.Random(seed);
    for (int i = order.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }

  private static List<Object> values(String name, Distribution dist) {
    List<Object> out = new ArrayList<>();
    switch (dist) {
      case Distribution.Categorical c -> out.addAll(c.choices());
      case Distribution.IntRange r -> {
        if ((r.high() - r.low()) / r.step() >= MAX_POINTS) {
          throw PierException.badRequest("tuning.space." + name + " has too many values for a grid");
        }
        for (long v = r.low(); v <= r.high(); v += r.step()) {
          out.add(r.toExternal(v));
        }
      }
      case Distribution.FloatRange f -> {
        if (f.step() == null) {
          throw PierException.badRequest("tuning.space." + name + " needs a step for the grid strategy");
        }
        long n = Math.round(Math.floor((f.high() - f.low()) / f.step() + 1e-9));
        if (n >= MAX_POINTS) {
          throw PierException.badRequest("tuning.space." + name + " has too many values for a grid");
        }
        for (long k = 0; k <= n; k++) {
          out.add(f.low() + k * f.step());
        }
      }
    }
    return out;
  }

  @Override
  public int capacity() {
    return order.length;
  }

  @Override
  public Map<String, Object> sample(SearchSpace space, List<Trial> history, int number) {
    if (number >= order.length) {
      throw new IllegalStateException("the grid has " + order.length + " combinations, trial " + number + " asked");
    }
    int index = order[number];
    Map<String, Object> out = new LinkedHashMap<>();
    for (int p = names.size() - 1; p >= 0; p--) {
      List<Object> v = values.get(p);
      out.put(names.get(p), v.get(index % v.size()));
      index /= v.size();
    }
    Map<String, Object> ordered = new LinkedHashMap<>();
    names.forEach(n -> ordered.put(n, out.get(n)));
    return ordered;
  }
}
