package dev.pier.endpoints.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * GPU utilisation and memory from {@code nvidia-smi --query-gpu}, read at most once a second. Where there is no
 * {@code nvidia-smi} (a CPU machine) the metrics say so ({@code pier_endpoint_gpu_available 0}) instead of reporting
 * zeros.
 */
final class GpuStats {
  private final List<String> command;
  private volatile long readAt;
  private volatile List<Gpu> last = List.of();
  private volatile String unavailable;

  record Gpu(int index, double utilisationPercent, double memoryUsedMiB, double memoryTotalMiB) {}

  GpuStats() {
    this(List.of("nvidia-smi", "--query-gpu=index,utilization.gpu,memory.used,memory.total",
        "--format=csv,noheader,nounits"));
  }

  GpuStats(List<String> command) {
    this.command = command;
  }

  /** The GPUs now, or empty when none can be read ({@link #unavailableReason}). */
  synchronized List<Gpu> read() {
    long now = System.nanoTime();
    if (readAt != 0 && now - readAt < 1_000_000_000L) {
      return last;
    }
    readAt = now;
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroy();
        return fail("nvidia-smi failed: " + out.strip());
      }
      last = parse(out);
      unavailable = last.isEmpty() ? "nvidia-smi lists no GPU" : null;
      return last;
    } catch (IOException e) {
      return fail("no nvidia-smi on this machine (CPU only)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail("interrupted");
    }
  }

  private List<Gpu> fail(String why) {
    unavailable = why;
    last = List.of();
    return last;
  }

  String unavailableReason() {
    return unavailable;
  }

  static List<Gpu> parse(String csv) {
    List<Gpu> gpus = new ArrayList<>();
    for (String line : csv.split("\n")) {
      String[] f = line.split(",");
      if (f.length != 4) {
        continue;
      }
      try {
        gpus.add(new Gpu(Integer.parseInt(f[0].strip()), Double.parseDouble(f[1].strip()),
            Double.parseDouble(f[2].strip()), Double.parseDouble(f[3].strip())));
      } catch (NumberFormatException e) {
        // "[N/A]" fields of GPUs that do not report them
      }
    }
    return gpus;
  }

  void write(StringBuilder out) {
    List<Gpu> gpus = read();
    out.append("# HELP pier_endpoint_gpu_available 1 when nvidia-smi reports GPUs, 0 when none can be read\n");
    out.append("# TYPE pier_endpoint_gpu_available gauge\n");
    if (gpus.isEmpty()) {
      out.append("pier_endpoint_gpu_available{reason=\"").append(String.valueOf(unavailable).replace('"', '\''))
          .append("\"} 0\n");
      return;
    }
    out.append("pier_endpoint_gpu_available 1\n");
    out.append("# HELP pier_endpoint_gpu_utilization_percent GPU utilisation (nvidia-smi utilization.gpu)\n");
    out.append("# TYPE pier_endpoint_gpu_utilization_percent gauge\n");
    for (Gpu g : gpus) {
      out.append("pier_endpoint_gpu_utilization_percent{gpu=\"").append(g.index()).append("\"} ")
          .append(g.utilisationPercent()).append('\n');
    }
    out.append("# HELP pier_endpoint_gpu_memory_used_bytes GPU memory in use\n");
    out.append("# TYPE pier_endpoint_gpu_memory_used_bytes gauge\n");
    for (Gpu g : gpus) {
      out.append("pier_endpoint_gpu_memory_used_bytes{gpu=\"").append(g.index()).append("\"} ")
          .append((long) (g.memoryUsedMiB() * 1024 * 1024)).append('\n');
    }
    out.append("# HELP pier_endpoint_gpu_memory_total_bytes GPU memory\n");
    out.append("# TYPE pier_endpoint_gpu_memory_total_bytes gauge\n");
    for (Gpu g : gpus) {
      out.append("pier_endpoint_gpu_memory_total_bytes{gpu=\"").append(g.index()).append("\"} ")
          .append((long) (g.memoryTotalMiB() * 1024 * 1024)).append('\n');
    }
  }
}
