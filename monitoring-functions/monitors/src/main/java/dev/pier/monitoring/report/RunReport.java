package dev.pier.monitoring.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A run as one self-contained HTML page ({@code …/runs/{run}/report.html}): the run's figures, each column's drift,
 * data quality, performance and alerts, and for every drifted column the reference's and the window's distributions
 * side by side as inline SVG (shares per bin, or per category). No script, stylesheet or font is fetched: the page
 * opens offline and can be mailed or archived as it is. Pure; thread-safe.
 */
public final class RunReport {
  private static final int BINS = 20;
  private static final int CATEGORIES = 12;

  private RunReport() {
  }

  /**
   * @param run the run as stored
   * @param reference the monitor's reference rows
   * @param window the window's captured values by column (inputs and outputs); empty when the run was made from
   *     profiles, and then no plots are drawn
   */
  public static String html(JsonNode run, List<Map<String, Object>> reference, Map<String, List<Object>> window) {
    StringBuilder h = new StringBuilder(16_384);
    String title = "Monitor run " + run.path("run_id").asText();
    h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
        .append("</title><style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:"
            + "collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}th{background:#f4f4f4}"
            + ".drifted{color:#b00;font-weight:bold}.ok{color:#070}figure{display:inline-block;margin:1em}"
            + "</style></head><body>");
    h.append("<h1>").append(esc(title)).append("</h1><p>Monitor <code>").append(esc(run.path("monitor_id").asText()))
        .append("</code>, window ").append(esc(run.path("window_start").asText())).append(" to ")
        .append(esc(run.path("window_end").asText())).append(", ").append(run.path("rows").asLong())
        .append(" rows, mode ").append(esc(run.path("mode").asText())).append(".</p>");
    drift(h, "Data drift", run.path("data_drift"));
    if (run.hasNonNull("prediction_drift")) {
      drift(h, "Prediction drift", run.path("prediction_drift"));
    }
    section(h, "Data quality", run.path("data_quality"));
    if (run.hasNonNull("performance")) {
      h.append("<h2>Performance</h2><pre>").append(esc(run.get("performance").toPrettyString())).append("</pre>");
    }
    if (run.path("alerts").isArray() && !run.path("alerts").isEmpty()) {
      h.append("<h2>Alerts</h2><ul>");
      run.get("alerts").forEach(a -> h.append("<li>").append(esc(a.path("message").asText())).append("</li>"));
      h.append("</ul>");
    }
    run.path("notes").forEach(n -> h.append("<p><em>").append(esc(n.asText())).append("</em></p>"));
    List<String> drifted = new ArrayList<>();
    for (String part : List.of("data_drift", "prediction_drift")) {
      run.path(part).path("columns").fields().forEachRemaining(e -> {
        if (e.getValue().path("drifted").asBoolean()) {
          drifted.add(e.getKey());
        }
      });
    }
    if (!drifted.isEmpty() && !window.isEmpty()) {
      h.append("<h2>Distributions of drifted columns</h2><p>Share of rows per bin: reference "
          + "<span style=\"color:#4472c4\">&#9632;</span>, window <span style=\"color:#ed7d31\">&#9632;</span>.</p>");
      for (String column : drifted) {
        List<Object> ref = new ArrayList<>();
        reference.forEach(r -> ref.add(r.get(column)));
        h.append("<figure><figcaption>").append(esc(column)).append("</figcaption>")
            .append(svg(ref, window.getOrDefault(column, List.of()))).append("</figure>");
      }
    }
    return h.append("</body></html>").toString();
  }

  private static void drift(StringBuilder h, String title, JsonNode drift) {
    h.append("<h2>").append(title).append("</h2><p>Share of drifted columns ")
        .append(String.format("%.3f", drift.path("share_drifted").asDouble())).append(": ")
        .append(drift.path("dataset_drift").asBoolean() ? "<span class=\"drifted\">dataset drift</span>"
            : "<span class=\"ok\">no dataset drift</span>").append(".</p>");
    h.append("<table><tr><th>column</th><th>method</th><th>statistic</th><th>p-value</th><th>threshold</th>"
        + "<th>drifted</th><th>error bound</th></tr>");
    drift.path("columns").fields().forEachRemaining(e -> {
      JsonNode c = e.getValue();
      h.append("<tr><td>").append(esc(e.getKey())).append("</td><td>").append(esc(c.path("method").asText()))
          .append("</td><td>").append(num(c.path("statistic"))).append("</td><td>").append(num(c.path("p_value")))
          .append("</td><td>").append(num(c.path("threshold"))).append("</td><td class=\"")
          .append(c.path("drifted").asBoolean() ? "drifted\">yes" : "ok\">no").append("</td><td>")
          .append(num(c.path("error_bound"))).append("</td></tr>");
    });
    h.append("</table>");
    drift.path("skipped").fields().forEachRemaining(e -> h.append("<p>").append(esc(e.getKey())).append(" skipped: ")
        .append(esc(e.getValue().asText())).append("</p>"));
  }

  private static void section(StringBuilder h, String title, JsonNode byColumn) {
    if (!byColumn.isObject() || byColumn.isEmpty()) {
      return;
    }
    h.append("<h2>").append(title).append("</h2><table><tr><th>column</th>");
    List<String> fields = new ArrayList<>();
    byColumn.elements().next().fieldNames().forEachRemaining(fields::add);
    fields.forEach(f -> h.append("<th>").append(esc(f)).append("</th>"));
    h.append("</tr>");
    for (Iterator<Map.Entry<String, JsonNode>> it = byColumn.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      h.append("<tr><td>").append(esc(e.getKey())).append("</td>");
      fields.forEach(f -> h.append("<td>").append(num(e.getValue().path(f))).append("</td>"));
      h.append("</tr>");
    }
    h.append("</table>");
  }

  /**
   * The shares per bin of the reference's and the window's values (the bars the report draws): {@code numeric} when
   * both sides are numbers (20 equal-width bins over their joint range, labelled by lower edge), else the 12 most
   * frequent categories. Shares are of each side's non-null (numeric: finite) values.
   */
  public record Distribution(boolean numeric, List<Bin> bins) {}

  /** One bin: its label, its lower edge (numeric only, else null) and each side's share. */
  public record Bin(String bin, Double low, double reference, double window) {}

  public static Distribution distribution(List<Object> reference, List<Object> window) {
    boolean numeric = numeric(reference) && numeric(window);
    List<Bin> out = new ArrayList<>();
    Map<String, double[]> shares = numeric ? bins(reference, window) : categories(reference, window);
    shares.forEach((k, v) -> out.add(new Bin(k, numeric ? v[2] : null, v[0], v[1])));
    return new Distribution(numeric, out);
  }

  /** Two bar series over shared bins: numeric ranges when both sides are numbers, else the top categories. */
  static String svg(List<Object> reference, List<Object> window) {
    Map<String, double[]> shares = numeric(reference) && numeric(window) ? bins(reference, window)
        : categories(reference, window);
    int width = 480;
    int height = 200;
    int n = Math.max(1, shares.size());
    double max = shares.values().stream().mapToDouble(v -> Math.max(v[0], v[1])).max().orElse(1);
    double slot = (double) width / n;
    StringBuilder s = new StringBuilder("<svg width=\"" + width
        + "\" height=\"" + (height + 40) + "\" role=\"img\">");
    int i = 0;
    for (Map.Entry<String, double[]> e : shares.entrySet()) {
      double x = i * slot;
      for (int side = 0; side < 2; side++) {
        double h = max == 0 ? 0 : e.getValue()[side] / max * height;
        s.append(String.format(java.util.Locale.ROOT,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s: %.3f</title></rect>",
            x + side * slot / 2, height - h, slot / 2 - 1, h, side == 0 ? "#4472c4" : "#ed7d31", esc(e.getKey()),
            e.getValue()[side]));
      }
      if (n <= CATEGORIES || i % 5 == 0) {
        s.append(String.format(java.util.Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\">%s</text>", x,
            height + 14 + (i % 2) * 12, esc(e.getKey())));
      }
      i++;
    }
    return s.append("</svg>").toString();
  }

  private static boolean numeric(List<Object> values) {
    return values.stream().allMatch(v -> v == null || v instanceof Number);
  }

  private static Map<String, double[]> bins(List<Object> reference, List<Object> window) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (List<Object> side : List.of(reference, window)) {
      for (Object v : side) {
        if (v instanceof Number x && Double.isFinite(x.doubleValue())) {
          lo = Math.min(lo, x.doubleValue());
          hi = Math.max(hi, x.doubleValue());
        }
      }
    }
    Map<String, double[]> out = new LinkedHashMap<>();
    if (lo > hi) {
      return out;
    }
    double step = hi > lo ? (hi - lo) / BINS : 1;
    double[][] counts = new double[BINS][2];
    double[] totals = new double[2];
    for (int side = 0; side < 2; side++) {
      for (Object v : side == 0 ? reference : window) {
        if (v instanceof Number x && Double.isFinite(x.doubleValue())) {
          int b = (int) Math.min(BINS - 1, Math.floor((x.doubleValue() - lo) / step));
          counts[b][side]++;
          totals[side]++;
        }
      }
    }
    for (int b = 0; b < BINS; b++) {
      out.put(String.format(java.util.Locale.ROOT, "%.3g", lo + b * step), new double[] {
          totals[0] == 0 ? 0 : counts[b][0] / totals[0], totals[1] == 0 ? 0 : counts[b][1] / totals[1],
          lo + b * step});
    }
    return out;
  }

  private static Map<String, double[]> categories(List<Object> reference, List<Object> window) {
    Map<String, double[]> counts = new TreeMap<>();
    double[] totals = new double[2];
    for (int side = 0; side < 2; side++) {
      for (Object v : side == 0 ? reference : window) {
        if (v != null) {
          counts.computeIfAbsent(String.valueOf(v), k -> new double[2])[side]++;
          totals[side]++;
        }
      }
    }
    Map<String, double[]> out = new LinkedHashMap<>();
    counts.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[0] + b.getValue()[1],
        a.getValue()[0] + a.getValue()[1])).limit(CATEGORIES).forEach(e -> out.put(e.getKey(), new double[] {
            totals[0] == 0 ? 0 : e.getValue()[0] / totals[0], totals[1] == 0 ? 0 : e.getValue()[1] / totals[1]}));
    return out;
  }

  private static String num(JsonNode n) {
    if (n.isMissingNode() || n.isNull()) {
      return "";
    }
    return n.isFloatingPointNumber() ? String.format(java.util.Locale.ROOT, "%.4g", n.asDouble()) : esc(n.asText());
  }

  static String esc(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
