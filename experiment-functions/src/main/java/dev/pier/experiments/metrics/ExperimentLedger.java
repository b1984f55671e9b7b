package dev.pier.experiments.metrics;

import dev.pier.experiments.stats.MetricSums;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One experiment's running aggregates: for each arm and metric, the {@link MetricSums} of the per-unit values
 * (and of each unit's pre-exposure covariate for CUPED), kept as deltas per UTC day so the cumulative estimate can be
 * drawn day by day, plus running totals so reading the current state costs O(arms × metrics).
 *
 * <p>Semantics, as the experiments API promises them:
 * <ul>
 *   <li>a unit belongs to the arm of its first exposure; a later exposure to another arm is counted as a
 *       {@code multipleExposures} unit and otherwise ignored (its data stays in the first arm, which keeps the
 *       comparison intent-to-treat);
 *   <li>every exposed unit counts in every metric, with value 0 until it has events;
 *   <li>only events at or after the unit's first exposure count: a binary metric is 1 for a unit with any such event,
 *       a continuous one sums their values;
 *   <li>events in the {@code lookback} (default 14 days, GrowthBook's CUPED default) before the first exposure form
 *       the unit's covariate for CUPED; events of units not yet exposed are held until the unit is exposed (then sorted
 *       into counted, covariate or dropped) and are reported in {@link Counts#heldBeforeExposure()}.
 * </ul>
 *
 * <p>Every change to a unit is applied as the difference between its new and old contribution ({@code n, y, y², x,
 * x², x·y}), so each exposure or event costs O(1) however long the experiment has run. A change is booked on the day of
 * the exposure or event that caused it; events that arrive out of order make the day-by-day series approximate
 * (never the totals).
 *
 * <p>Not thread-safe: one writer per experiment (the analysis worker), results read from {@link #snapshot()}.
 */
public final class ExperimentLedger {

  /** GrowthBook's default CUPED lookback. */
  public static final Duration DEFAULT_LOOKBACK = Duration.ofDays(14);

  private static final long DAY_MILLIS = 86_400_000L;

  private final List<String> arms;
  private final Map<String, Integer> armIndex = new HashMap<>();
  private final List<String> metrics;
  private final Map<String, Integer> metricIndex = new HashMap<>();
  private final MetricType[] types;
  private final long lookbackMillis;

  private final Map<String, UnitState> units = new HashMap<>();
  private final TreeMap<Long, Sums[][]> deltasByDay = new TreeMap<>();
  private final TreeMap<Long, long[]> exposuresByDay = new TreeMap<>();
  private final Sums[][] totals;
  // most changes land on the same few days: remember the last day's grid instead of a TreeMap lookup per event
  private long lastDay = Long.MIN_VALUE;
  private Sums[][] lastGrid;
  private final long[] unitsPerArm;
  private long counted, covariate, held, dropped, multipleExposures;
  private final PercentileSketches percentiles;

  /** What happened to the events so far. */
  public record Counts(long countedEvents, long covariateEvents, long heldBeforeExposure, long droppedEvents,
                       long multipleExposures) {}

  public ExperimentLedger(List<String> arms, Map<String, MetricType> metrics, Duration lookback) {
    this(arms, metrics, Map.of(), lookback);
  }

  /**
   * @param metrics the per-unit metrics (binary, continuous)
   * @param percentiles the percentile metrics, each named with the metric whose events it ranks (which need not be
   *     one of {@code metrics})
   */
  public ExperimentLedger(List<String> arms, Map<String, MetricType> metrics, Map<String, String> percentiles,
      Duration lookback) {
    if (arms.size() < 2) throw new IllegalArgumentException("an experiment needs at least two arms");
    this.percentiles = new PercentileSketches(arms.size(), percentiles);
    this.arms = List.copyOf(arms);
    for (int i = 0; i < arms.size(); i++) armIndex.put(arms.get(i), i);
    this.metrics = List.copyOf(metrics.keySet());
    this.types = new MetricType[metrics.size()];
    for (int i = 0; i < this.metrics.size(); i++) {
      metricIndex.put(this.metrics.get(i), i);
      types[i] = metrics.get(this.metrics.get(i));
    }
    this.lookbackMillis = lookback.toMillis();
    this.totals = emptyGrid();
    this.unitsPerArm = new long[arms.size()];
  }

  public List<String> arms() {
    return arms;
  }

  public List<String> metrics() {
    return metrics;
  }

  public boolean knowsArm(String arm) {
    return armIndex.containsKey(arm);
  }

  public boolean knowsMetric(String metric) {
    return metricIndex.containsKey(metric) || percentiles.ranks(metric);
  }

  /** The percentile metrics' sketches (read them, do not update them). */
  public PercentileSketches percentiles() {
    return percentiles;
  }

  /** Records an exposure; throws {@link IllegalArgumentException} for an arm this experiment does not have. */
  public void expose(Exposure exposure) {
    Integer arm = armIndex.get(exposure.arm());
    if (arm == null) throw new IllegalArgumentException("unknown arm '" + exposure.arm() + "'; arms are " + arms);
    UnitState unit = units.get(exposure.unit());
    if (unit != null && unit.arm >= 0) {
      if (unit.arm != arm && !unit.multiple) {
        unit.multiple = true;
        multipleExposures++;
      }
      return;
    }
    if (unit == null) {
      unit = new UnitState(metrics.size());
      units.put(exposure.unit(), unit);
    }
    unit.arm = arm;
    unit.firstExposure = exposure.epochMillis();
    long day = day(exposure.epochMillis());
    unitsPerArm[arm]++;
    exposuresByDay.computeIfAbsent(day, d -> new long[arms.size()])[arm]++;
    for (int m = 0; m < metrics.size(); m++) book(day, arm, m, 1, 0, 0, 0, 0, 0);
    List<MetricEvent> pending = unit.pending;
    unit.pending = null;
    if (pending != null) {
      held -= pending.size();
      for (MetricEvent e : pending) apply(unit, e);
    }
  }

  /** Records a metric event; throws {@link IllegalArgumentException} for a metric this experiment does not have. */
  public void record(MetricEvent event) {
    if (!knowsMetric(event.metric())) {
      throw new IllegalArgumentException("unknown metric '" + event.metric() + "'; metrics are " + metrics);
    }
    UnitState unit = units.computeIfAbsent(event.unit(), u -> new UnitState(metrics.size()));
    if (unit.arm < 0) {
      if (unit.pending == null) unit.pending = new ArrayList<>(2);
      unit.pending.add(event);
      held++;
      return;
    }
    apply(unit, event);
  }

  /** An event of an exposed unit: into its metric's sums, and into the sketches of the percentiles that rank it. */
  private void apply(UnitState unit, MetricEvent event) {
    Integer m = metricIndex.get(event.metric());
    boolean ranked = percentiles.ranks(event.metric());
    if (ranked && event.epochMillis() >= unit.firstExposure) {
      percentiles.update(event.metric(), unit.arm, day(event.epochMillis()), event.value());
    }
    if (m != null) {
      apply(unit, event, m);
    } else if (event.epochMillis() >= unit.firstExposure) {
      counted++;
    } else {
      dropped++; // a percentile counts only what follows exposure (it has no covariate)
    }
  }

  private void apply(UnitState unit, MetricEvent event, int m) {
    long t = event.epochMillis();
    double oldY = unit.y[m], oldX = unit.x[m];
    if (t >= unit.firstExposure) {
      unit.y[m] = types[m] == MetricType.BINARY ? 1 : oldY + event.value();
      counted++;
    } else if (t >= unit.firstExposure - lookbackMillis) {
      unit.x[m] = types[m] == MetricType.BINARY ? 1 : oldX + event.value();
      covariate++;
    } else {
      dropped++;
      return;
    }
    double y = unit.y[m], x = unit.x[m];
    if (y == oldY && x == oldX) return;
    // the unit's new contribution minus its old one: (n, y, y², x, x², x·y)
    book(day(Math.max(t, unit.firstExposure)), unit.arm, m, 0, y - oldY, y * y - oldY * oldY, x - oldX,
        x * x - oldX * oldX, x * y - oldX * oldY);
  }

  private void book(long day, int arm, int metric, long n, double y, double y2, double x, double x2, double xy) {
    Sums[][] grid = lastGrid;
    if (day != lastDay) {
      grid = deltasByDay.computeIfAbsent(day, d -> emptyGrid());
      lastDay = day;
      lastGrid = grid;
    }
    grid[arm][metric].add(n, y, y2, x, x2, xy);
    totals[arm][metric].add(n, y, y2, x, x2, xy);
  }

  /** The current totals (a copy, O(arms × metrics)). */
  public Snapshot snapshot() {
    return new Snapshot(arms, metrics, unitsPerArm.clone(), values(totals), counts());
  }

  /**
   * The cumulative state at the end of each UTC day that saw any change, oldest first: the dashboard's time series.
   */
  public List<DailySnapshot> daily() {
    List<DailySnapshot> out = new ArrayList<>();
    MetricSums[][] running = new MetricSums[arms.size()][metrics.size()];
    for (MetricSums[] row : running) java.util.Arrays.fill(row, MetricSums.EMPTY);
    long[] runningUnits = new long[arms.size()];
    var days = new java.util.TreeSet<Long>(deltasByDay.keySet());
    days.addAll(exposuresByDay.keySet());
    for (long day : days) {
      Sums[][] grid = deltasByDay.get(day);
      if (grid != null) {
        for (int a = 0; a < arms.size(); a++) {
          for (int m = 0; m < metrics.size(); m++) running[a][m] = running[a][m].plus(grid[a][m].value());
        }
      }
      long[] exposed = exposuresByDay.get(day);
      if (exposed != null) for (int a = 0; a < arms.size(); a++) runningUnits[a] += exposed[a];
      out.add(new DailySnapshot(day, new Snapshot(arms, metrics, runningUnits.clone(), copy(running), null)));
    }
    return out;
  }

  public Counts counts() {
    return new Counts(counted, covariate, held, dropped, multipleExposures);
  }

  private Sums[][] emptyGrid() {
    Sums[][] grid = new Sums[arms.size()][metrics.size()];
    for (Sums[] row : grid) for (int m = 0; m < row.length; m++) row[m] = new Sums();
    return grid;
  }

  private static MetricSums[][] copy(MetricSums[][] grid) {
    MetricSums[][] out = new MetricSums[grid.length][];
    for (int i = 0; i < grid.length; i++) out[i] = grid[i].clone();
    return out;
  }

  private static MetricSums[][] values(Sums[][] grid) {
    MetricSums[][] out = new MetricSums[grid.length][];
    for (int i = 0; i < grid.length; i++) {
      out[i] = new MetricSums[grid[i].length];
      for (int m = 0; m < grid[i].length; m++) out[i][m] = grid[i][m].value();
    }
    return out;
  }

  /** A mutable {@link MetricSums}: the ledger adds a delta per event without allocating. */
  private static final class Sums {
    long n;
    double y, y2, x, x2, xy;

    void add(long dn, double dy, double dy2, double dx, double dx2, double dxy) {
      n += dn;
      y += dy;
      y2 += dy2;
      x += dx;
      x2 += dx2;
      xy += dxy;
    }

    MetricSums value() {
      return new MetricSums(n, y, y2, x, x2, xy);
    }
  }

  private static long day(long epochMillis) {
    return Math.floorDiv(epochMillis, DAY_MILLIS);
  }

  /** Per unit: its arm (-1 until exposed), first exposure, per metric its value and pre-exposure covariate. */
  private static final class UnitState {
    int arm = -1;
    long firstExposure;
    boolean multiple;
    final double[] y;
    final double[] x;
    List<MetricEvent> pending;

    UnitState(int metrics) {
      y = new double[metrics];
      x = new double[metrics];
    }
  }
}
