package dev.pier.features;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Thread CPU ns and allocated bytes of the on-demand stage, in process, no I/O: (1) {@link OnDemand#plan} for a
 * service without on-demand features (what every lookup pays), and (2) plan + compute of one on-demand view with four
 * expressions ({@link OnDemandFeatureViewTest#DOC}) per row, for batches of 1 and 64 rows. Median of rounds. Started
 * by {@link OnDemandCostRun} (not in the suite).
 */
final class OnDemandCost {
  private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

  private OnDemandCost() {}

  public static void main(String[] args) {
    int calls = Integer.parseInt(args[0]);
    int rounds = Integer.parseInt(args[1]);
    Catalog all = DefinitionsParser.parse(OnDemandFeatureViewTest.DOC);
    Catalog plain = new Catalog(all.entities(), all.sources(), all.featureViews(), all.featureServices());
    List<FeatureRef> plainRefs = List.of(new FeatureRef("driver_hourly_stats", "conv_rate"),
        new FeatureRef("driver_hourly_stats", "trips"));
    List<FeatureRef> odfvRefs = List.of(new FeatureRef("driver_ratios", "ratio"), new FeatureRef("driver_ratios", "busy"),
        new FeatureRef("driver_ratios", "tagged"), new FeatureRef("driver_ratios", "log_trips"));
    for (int r = 0; r < rounds; r++) {
      double[] none = measure(calls, () -> OnDemand.plan(plain, plainRefs));
      double[] noneWithViews = measure(calls, () -> OnDemand.plan(all, plainRefs));
      double[] one = perRow(all, odfvRefs, 1, calls);
      double[] batch = perRow(all, odfvRefs, 64, calls / 64);
      System.out.printf("round %d: no on-demand view in the catalog %.1f ns %.0f B | views but none asked %.1f ns %.0f B"
          + " | 4 outputs, 1 row: %.0f ns %.0f B per row | 64 rows: %.0f ns %.0f B per row%n", r, none[0], none[1],
          noneWithViews[0], noneWithViews[1], one[0], one[1], batch[0] / 64, batch[1] / 64);
    }
  }

  private static double[] perRow(Catalog all, List<FeatureRef> refs, int rows, int calls) {
    Map<FeatureRef, List<FeatureValue>> found = new HashMap<>();
    List<FeatureValue> conv = new ArrayList<>();
    List<FeatureValue> trips = new ArrayList<>();
    Instant t = Instant.parse("2026-12-06T11:00:00Z");
    for (int i = 0; i < rows; i++) {
      conv.add(new FeatureValue(0.5 + i, FeatureStatus.PRESENT, t));
      trips.add(new FeatureValue((long) i, FeatureStatus.PRESENT, t));
    }
    found.put(new FeatureRef("driver_hourly_stats", "conv_rate"), conv);
    found.put(new FeatureRef("driver_hourly_stats", "trips"), trips);
    List<Map<String, Object>> instances = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("x", 1.5);
      m.put("tier", "gold");
      instances.add(m);
    }
    OnDemand.Request request = OnlineFeatures.instances(instances);
    return measure(calls, () -> OnDemand.plan(all, refs).compute(rows, found, request));
  }

  private static double[] measure(int calls, Runnable r) {
    for (int i = 0; i < Math.min(calls, 20_000); i++) {
      r.run();
    }
    long id = Thread.currentThread().threadId();
    double[] ns = new double[5];
    double[] bytes = new double[5];
    for (int k = 0; k < 5; k++) {
      long cpu = THREADS.getThreadCpuTime(id);
      long alloc = THREADS.getThreadAllocatedBytes(id);
      for (int i = 0; i < calls; i++) {
        r.run();
      }
      ns[k] = (THREADS.getThreadCpuTime(id) - cpu) / (double) calls;
      bytes[k] = (THREADS.getThreadAllocatedBytes(id) - alloc) / (double) calls;
    }
    Arrays.sort(ns);
    Arrays.sort(bytes);
    return new double[] {ns[2], bytes[2]};
  }
}
