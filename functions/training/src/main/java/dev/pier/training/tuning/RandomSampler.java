package dev.pier.training.tuning;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Independent uniform sampling, as Optuna's {@code RandomSampler}: uniform in the (log-)range widened by half a step
 * on each side for discrete parameters, then rounded to the grid and clipped; categorical choices uniformly.
 */
public record RandomSampler(long seed) implements Sampler {
  @Override
  public Map<String, Object> sample(SearchSpace space, List<Trial> history, int number) {
    Random rng = Sampler.rng(seed, number);
    Map<String, Object> out = new LinkedHashMap<>();
    space.params().forEach((name, dist) -> out.put(name, dist.toExternal(sample(dist, rng))));
    return out;
  }

  /** One internal value. */
  static double sample(Distribution dist, Random rng) {
    return switch (dist) {
      case Distribution.Categorical c -> rng.nextInt(c.choices().size());
      case Distribution.IntRange r -> {
        if (r.log()) {
          double lo = Math.log(r.low() - 0.5);
          double hi = Math.log(r.high() + 0.5);
          yield clip(Math.rint(Math.exp(lo + (hi - lo) * rng.nextDouble())), r.low(), r.high());
        }
        double lo = r.low() - 0.5 * r.step();
        double hi = r.high() + 0.5 * r.step();
        double u = lo + (hi - lo) * rng.nextDouble();
        yield clip(r.low() + Math.rint((u - r.low()) / r.step()) * r.step(), r.low(), r.high());
      }
      case Distribution.FloatRange f -> {
        if (f.log()) {
          double lo = Math.log(f.low());
          double hi = Math.log(f.high());
          yield clip(Math.exp(lo + (hi - lo) * rng.nextDouble()), f.low(), f.high());
        }
        if (f.step() != null) {
          double lo = f.low() - 0.5 * f.step();
          double hi = f.high() + 0.5 * f.step();
          double u = lo + (hi - lo) * rng.nextDouble();
          yield clip(f.low() + Math.rint((u - f.low()) / f.step()) * f.step(), f.low(), f.high());
        }
        yield f.low() + (f.high() - f.low()) * rng.nextDouble();
      }
    };
  }

  private static double clip(double v, double lo, double hi) {
    return Math.min(Math.max(v, lo), hi);
  }
}
