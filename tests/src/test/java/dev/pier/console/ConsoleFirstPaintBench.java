package dev.pier.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.tests.PierUp;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console's first paint against {@code ./pier up} holding 100,000 versions ({@code ./pier bench console}; not part
 * of {@code ./pier test}: the class name is no test's). Versions are registered through the public MLflow route
 * {@code POST /api/2.0/mlflow/model-versions/create} (a source outside S3: registered by reference, no artifact
 * bytes), one client thread per model, {@code pier.bench.versions} (100,000) over {@code pier.bench.models} (20)
 * models; each model is filled from its latest version up, so a run stopped part way goes on where it was with
 * {@code -Dpier.bench.data-dir} naming its directory (a version number can be made once only per model, so a second
 * client thread per model would only race the first for it). Then headless Debian chromium loads each view afresh ({@code driver.get}: a full navigation, as a typed URL):
 * every view once (a warm-up pass: the server's first requests are timed for none), then each view 1 +
 * {@code pier.bench.rounds} (5) times, and reads the browser's own timings, from navigation start:
 * first contentful paint (Paint Timing), the view drawn with its data (the console's {@code pier:view-drawn} mark) and
 * the largest contentful paint after it (the data table or the version's page). Writes
 * {@code target/bench/console.txt} under the repository root.
 */
class ConsoleFirstPaintBench {
  private static final String MEASURE = """
      const done = arguments[arguments.length - 1];
      const lcp = [];
      new PerformanceObserver((l) => lcp.push(...l.getEntries())).observe({ type: 'largest-contentful-paint', buffered: true });
      requestAnimationFrame(() => setTimeout(() => {
        const paint = performance.getEntriesByName('first-contentful-paint')[0];
        const drawn = performance.getEntriesByName('pier:view-drawn').at(-1);
        const api = performance.getEntriesByType('resource').filter((r) => r.name.includes('/api/'));
        done({ fcp: paint ? paint.startTime : -1, drawn: drawn ? drawn.startTime : -1,
          lcp: lcp.length ? lcp.at(-1).startTime : -1,
          api: api.length ? Math.max(...api.map((r) => r.duration)) : 0,
          rows: document.querySelectorAll('main table tbody tr').length,
          title: document.title });
      }, 50));
      """;

  @Test
  void firstPaintOfTheModelsVersionAndSearchViews() throws Exception {
    int versions = Integer.getInteger("pier.bench.versions", 100_000);
    int models = Integer.getInteger("pier.bench.models", 20);
    int rounds = Integer.getInteger("pier.bench.rounds", 5);
    int perModel = versions / models;
    String reuse = System.getProperty("pier.bench.data-dir", "");
    Path dataDir = reuse.isBlank() ? Files.createTempDirectory("pier-console-bench") : Path.of(reuse);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    PierUp.Started server = PierUp.start(dataDir, Map.of(), port -> http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/v2/health/ready")).build(), HttpResponse.BodyHandlers.discarding())
        .statusCode());
    String base = "http://127.0.0.1:" + server.port();
    List<String> report = new ArrayList<>();
    try {
      // each model's versions are made up to perModel: a run stopped part way (or -Dpier.bench.data-dir naming an
      // earlier run's directory) goes on from each model's latest version, and a full directory is measured again
      for (int m = 0; m < models; m++) {
        if (latest(http, base, name(m)) < 0) {
          post(http, base + "/api/2.0/mlflow/registered-models/create",
              "{\"name\":\"" + name(m) + "\",\"tags\":[{\"key\":\"team\",\"value\":\"team-" + (m % 3) + "\"}]}");
        }
      }
      long t0 = System.nanoTime();
      ExecutorService pool = Executors.newFixedThreadPool(models);
      List<Future<int[]>> done = new ArrayList<>();
      for (int m = 0; m < models; m++) {
        String model = name(m);
        done.add(pool.submit(() -> {
          int before = latest(http, base, model);
          int have = before;
          int retried = 0;
          while (have < perModel) {
            HttpResponse<String> r = send(http, base + "/api/2.0/mlflow/model-versions/create", "{\"name\":\""
                + model + "\",\"source\":\"file:///bench/" + model + "/" + (have + 1) + "\",\"tags\":[{\"key\":"
                + "\"batch\",\"value\":\"" + ((have + 1) % 100) + "\"}]}");
            if (r.statusCode() == 200) {
              have = Integer.parseInt(JSON.readTree(r.body()).at("/model_version/version").asText());
            } else if (r.statusCode() >= 500 && ++retried <= 20) {
              // a stand-in call that timed out on the loaded machine: ask where the model is, then go on from there
              System.out.println(model + ": create answered " + r.statusCode() + " (" + r.body() + "); going on");
              have = latest(http, base, model);
            } else {
              throw new AssertionError("model-versions/create answered " + r.statusCode() + ": " + r.body());
            }
          }
          return new int[] {before, have - before, retried};
        }));
      }
      int existing = 0;
      int made = 0;
      int retries = 0;
      for (Future<int[]> f : done) {
        int[] counts = f.get();
        existing += counts[0];
        made += counts[1];
        retries += counts[2];
      }
      pool.shutdown();
      double seconds = (System.nanoTime() - t0) / 1e9;
      report.add(String.format("%,d versions (%d models x %,d): %,d were there (%s), %,d registered now through POST"
          + " /api/2.0/mlflow/model-versions/create in %.0f s (%.0f/s, %d client threads, %d retried after a 5xx)",
          perModel * models, models, perModel, existing, dataDir, made, seconds, made / Math.max(seconds, 1e-9),
          models, retries));
      System.out.println(report.get(0));

      String big = name(3);
      List<String> pages = List.of(
          "/console/models",
          "/console/models?order_by=" + enc("last_updated_timestamp DESC"),
          "/console/models/" + big,
          "/console/models/" + big + "/versions/" + (perModel / 2),
          "/console/models?filter=" + enc("name = '" + big + "'") + "&order_by=" + enc("creation_timestamp DESC"),
          "/console/models?filter=" + enc("tags.batch = '7'") + "&order_by=" + enc("name DESC"));
      WebDriver browser = chromium(dataDir);
      try {
        // every view once before any is timed: the server's first requests (class loading, JIT, the first query of each
        // index partition) would otherwise land on whichever view is measured first
        for (String page : pages) {
          browser.get(base + page);
          new WebDriverWait(browser, Duration.ofSeconds(60)).until(d -> "ready".equals(
              ((JavascriptExecutor) d).executeScript("return document.body.dataset.state")));
        }
        for (String page : pages) {
          double[] fcp = new double[rounds];
          double[] drawn = new double[rounds];
          double[] lcp = new double[rounds];
          double[] api = new double[rounds];
          Map<?, ?> last = null;
          for (int r = -1; r < rounds; r++) { // one warm-up load
            browser.get("about:blank");
            browser.get(base + page);
            new WebDriverWait(browser, Duration.ofSeconds(60)).until(d -> "ready".equals(
                ((JavascriptExecutor) d).executeScript("return document.body.dataset.state")));
            last = (Map<?, ?>) ((JavascriptExecutor) browser).executeAsyncScript(MEASURE);
            if (r >= 0) {
              fcp[r] = ((Number) last.get("fcp")).doubleValue();
              drawn[r] = ((Number) last.get("drawn")).doubleValue();
              lcp[r] = ((Number) last.get("lcp")).doubleValue();
              api[r] = ((Number) last.get("api")).doubleValue();
            }
          }
          String line = String.format("%-95s FCP %s  drawn %s  LCP %s  slowest API call %s  rows %s (%s)", page,
              median(fcp), median(drawn), median(lcp), median(api), last.get("rows"), last.get("title"));
          System.out.println(line);
          report.add(line);
          assertThat(((Number) last.get("drawn")).doubleValue()).as(page).isPositive();
          if (!page.contains("/versions/")) {
            assertThat(((Number) last.get("rows")).intValue()).as("rows drawn on " + page).isPositive();
          }
        }
      } finally {
        browser.quit();
      }
      report.add("(median of " + rounds + " full loads each, ms from navigation start, headless chromium, after one"
          + " warm-up load of every view and one more of the view itself)");
      Path out = PierUp.ROOT.resolve("target/bench");
      Files.createDirectories(out);
      Files.write(out.resolve("console.txt"), report);
    } finally {
      server.process().destroy();
      if (!server.process().waitFor(30, TimeUnit.SECONDS)) {
        server.process().destroyForcibly();
      }
    }
  }

  private static String name(int m) {
    return String.format("bench-%02d", m);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return String.format("%5.0f ms (max %5.0f)", s[s.length / 2], s[s.length - 1]);
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  /** The model's latest version number (0 when it has none), or -1 when the model does not exist. */
  private static int latest(HttpClient http, String base, String model) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/models/" + model))
        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() == 404) {
      return -1;
    }
    if (r.statusCode() != 200) {
      throw new AssertionError("GET /api/v1/models/" + model + " answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body()).path("latest_version").asInt(0);
  }

  private static HttpResponse<String> send(HttpClient http, String url, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void post(HttpClient http, String url, String body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new AssertionError(url + " answered " + r.statusCode() + ": " + r.body());
    }
  }

  private static WebDriver chromium(Path dataDir) {
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile()).usingAnyFreePort()
        .withLogOutput(java.io.OutputStream.nullOutputStream()).build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(Path.of("/usr/bin/chromium").toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=1280,900", "--lang=en-US", "--user-data-dir=" + dataDir.resolve("chromium"));
    WebDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    return driver;
  }
}
