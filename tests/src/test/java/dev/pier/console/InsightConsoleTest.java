package dev.pier.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * The Features, Monitoring, Experiments, Training and Latency views against data made once through the public API
 * ({@link InsightData}): the rows and numbers a person would check, charts drawn with data, deep links that survive a
 * reload, not-found pages for missing ids, and an API error shown as the API's message.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InsightConsoleTest extends ConsoleBrowserTest {
  private InsightData data;

  /** The feature store's and training's data in one thread, the monitored model's in another (they share nothing). */
  @BeforeAll
  void makeData() throws Exception {
    data = new InsightData(base, keyOf("console"));
    long start = System.nanoTime();
    CompletableFuture<Void> models = CompletableFuture.runAsync(() -> {
      try {
        data.registerModels();
        data.monitor();
        data.experiment();
      } catch (Exception e) {
        throw new CompletionException(e);
      }
    });
    data.featureView();
    data.startTraining();
    data.awaitMaterialization();
    data.awaitTraining();
    models.join();
    System.out.printf(Locale.ROOT, "InsightConsoleTest: data made in %.1f s%n", (System.nanoTime() - start) / 1e9);
  }

  @Test
  void featuresFindAViewWithItsSchemaFreshnessStatisticsVersionsAndTheModelsUsingIt() throws Exception {
    open("/console/features?q=con2");
    WebElement row = rows("features-table").get(0);
    assertThat(rows("features-table")).hasSize(1);
    assertThat(row.getText()).contains(InsightData.VIEW, "conv_rate, trips, churned", "team:con2",
        InsightData.SERVICE, "ops@example.com");

    clickAndWait(row.findElement(By.linkText(InsightData.VIEW)));
    assertThat(browser.getCurrentUrl()).endsWith("/console/features/" + InsightData.VIEW);
    assertThat(rows("schema-table")).extracting(WebElement::getText)
        .containsExactly("conv_rate FLOAT64 0.0%", "trips INT64 0.0%", "churned INT64 0.0%");
    assertThat(find("materialized-rows").getText()).isEqualTo(Integer.toString(data.drivers));
    assertThat(find("lookups").getText()).isEqualTo("1");
    // one online read of three drivers for three features: two known drivers, one unknown
    assertThat(find("values-served").getText()).contains("NOT_FOUND 3 (33.3%)", "PRESENT 6 (66.7%)");
    assertThat(find("freshness-value").getText()).matches("\\d+ (s|min)");
    assertThat(rows("versions-table")).extracting(WebElement::getText).containsExactly(
        "1 " + data.get("/api/v1/feature-views/" + InsightData.VIEW).get("versions").get(0).get("applied_at").asText()
            + " create");
    assertThat(find("model-versions").getText()).isEqualTo(InsightData.FEATURE_MODEL + "/1");
    screenshot("features");

    reload();
    assertThat(find("model-versions").getText()).isEqualTo(InsightData.FEATURE_MODEL + "/1");
    clickAndWait(find("model-versions").findElement(By.tagName("a")));
    assertThat(browser.getCurrentUrl()).endsWith("/console/models/" + InsightData.FEATURE_MODEL + "/versions/1");
  }

  @Test
  void monitoringShowsDriftOverTimeTheDriftedDistributionPerformanceSlicesAlertsAndRuns() throws Exception {
    open("/console/monitoring");
    WebElement monitor = rows("monitors-table").stream()
        .filter(r -> r.getText().startsWith(InsightData.MONITORED + " 1")).findFirst().orElseThrow();
    clickAndWait(monitor.findElement(By.linkText(InsightData.MONITORED)));
    assertThat(browser.getCurrentUrl()).endsWith("/console/monitoring/" + InsightData.MONITORED + "/1");

    JsonNode runs = data.get("/api/v1/monitors/" + data.monitorId + "/runs").get("runs");
    JsonNode latest = data.get("/api/v1/monitors/" + data.monitorId + "/runs/" + runs.get(0).get("run_id").asText());
    JsonNode drifted = latest.get("data_drift").get("columns").get("input[2]");
    assertThat(drifted.get("drifted").asBoolean()).isTrue();
    assertThat(rows("drift-table")).extracting(WebElement::getText).anySatisfy(r -> assertThat(r)
        .startsWith("input[2] ks " + four(drifted.get("statistic").asDouble())).endsWith("drifted"));
    assertThat(rows("drift-table")).filteredOn(r -> !r.getText().startsWith("input[2]"))
        .allSatisfy(r -> assertThat(r.getText()).endsWith(" no"));
    assertThat(find("drift-over-time").findElement(By.tagName("h2")).getText())
        .isEqualTo("Drift over time · input[2]");
    assertDrawn("drift-chart");
    assertDrawn("distribution-chart");
    JsonNode bins = data.get("/api/v1/monitors/" + data.monitorId + "/runs/" + runs.get(0).get("run_id").asText()
        + "/distributions/input%5B2%5D").get("bins");
    double referenceShare = 0;
    for (JsonNode b : bins) {
      referenceShare += b.get("reference").asDouble();
    }
    assertThat(referenceShare).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(find("distribution-chart").getAttribute("data-bins")).isEqualTo(Integer.toString(bins.size()));
    assertDrawn("performance-chart");

    double accuracy = (double) data.correct / data.labelled;
    assertThat(rows("performance-table")).extracting(WebElement::getText).contains("accuracy " + four(accuracy));
    JsonNode slices = latest.get("slices");
    assertThat(rows("slices-table")).hasSize(slices.size());
    assertThat(rows("slices-table").get(0).getText()).startsWith(slices.get(0).get("column").asText() + " "
        + slices.get(0).get("slice").asText() + " " + slices.get(0).get("rows").asInt() + " error_rate "
        + four(slices.get(0).get("value").asDouble()));
    assertThat(find("alerts-table").getText()).contains(
        InsightData.MONITORED + " v1: accuracy is " + four(accuracy) + " (min 0.9)",
        InsightData.MONITORED + " v1: column input[2] drifted (ks)");
    assertThat(rows("runs-table")).hasSize(2).allSatisfy(r -> assertThat(r.getText())
        .contains(" " + (data.windowRows + 5) + " exact "));
    screenshot("monitoring");

    reload();
    assertDrawn("distribution-chart");
    phoneWidth();
    reload();
    assertDrawn("drift-chart");
    assertThat(scrollsSideways()).as("the monitoring page at phone width").isFalse();
  }

  @Test
  void experimentsShowResultsWithLiftAndIntervalTheSampleRatioWarningAndDecisions() throws Exception {
    open("/console/experiments?q=con2");
    assertThat(rows("experiments-table")).hasSize(1);
    WebElement row = rows("experiments-table").get(0);
    assertThat(row.getText()).contains("con2 checkout", InsightData.MONITORED + " @production", "running",
        "control v1 50.0% · treatment v2 50.0%");
    clickAndWait(row.findElement(By.linkText("con2 checkout")));
    assertThat(browser.getCurrentUrl()).endsWith("/console/experiments/" + data.experimentId);

    // 100 and 20 units against weights of one half each: χ² = 2 × 40² / 60
    double chi2 = 2 * Math.pow(data.controlUnits - 60, 2) / 60;
    assertThat(find("srm-warning").getText()).startsWith("Sample ratio mismatch: χ² = " + two(chi2));
    assertThat(rows("arms-table")).extracting(WebElement::getText).containsExactly(
        "control v1 50.0% " + data.controlUnits + " 83.3%", "treatment v2 50.0% " + data.treatmentUnits + " 16.7%");
    double control = (double) data.controlConversions / data.controlUnits;
    double treatment = (double) data.treatmentConversions / data.treatmentUnits;
    JsonNode comparison = data.get("/api/v1/experiments/" + data.experimentId + "/results").get("metrics").get(0)
        .get("comparisons").get(0);
    assertThat(rows("results-table").get(0).getText()).startsWith("con2_conversion primary treatment "
        + four(control) + " " + four(treatment) + " " + four(treatment - control) + " [" + four(
            comparison.get("ci").get(0).asDouble()) + ", " + four(comparison.get("ci").get(1).asDouble()) + "]");
    assertThat(find("forest-plot").findElements(By.tagName("circle"))).hasSize(1);
    assertDrawn("lift-chart");
    assertThat(rows("decisions-table").get(0).getText()).contains("HOLD", "sample ratio mismatch");
    screenshot("experiments");

    reload();
    assertThat(find("srm-warning").isDisplayed()).isTrue();
    phoneWidth();
    reload();
    assertThat(scrollsSideways()).as("the experiment page at phone width").isFalse();
  }

  @Test
  void trainingShowsTrialsAgainstTheirHyperparametersTheBestRunItsVersionAndComparesRuns() throws Exception {
    JsonNode job = data.trainingJob;
    open("/console/training?project=con2");
    WebElement row = find("jobs-table").findElement(By.xpath(".//tr[td//a[text()='" + data.trainingJobId + "']]"));
    assertThat(row.getText()).contains("con2-churn", "SUCCEEDED", "3 total, 3 succeeded",
        four(job.get("best").get("cv_mean").asDouble()), InsightData.TRAINED + " v1 @staging");

    clickAndWait(row.findElement(By.linkText(data.trainingJobId)));
    assertDrawn("parallel-chart");
    assertThat(rows("trials-table")).hasSize(3);
    JsonNode trial = job.get("trials").get("items").get(0);
    assertThat(rows("trials-table").get(0).getText()).startsWith("0 " + four(trial.get("params").get("eta").asDouble())
        + " " + trial.get("params").get("max_depth").asInt() + " SUCCEEDED " + four(trial.get("cv_mean").asDouble()));
    assertThat(find("registered").getText()).isEqualTo(InsightData.TRAINED + " v1 @staging");
    screenshot("training");

    reload();
    assertDrawn("parallel-chart");
    open("/console/training?project=con2");
    find("compare-" + data.trainingJobId).click();
    clickAndWait(find("compare-button"));
    assertThat(browser.getCurrentUrl()).endsWith("/console/training?compare=" + data.trainingJobId);
    // the job's parent run, its three trials and the refit, named by their MLflow experiment
    String jobExperiment = data.get("/api/2.0/mlflow/experiments/get?experiment_id="
        + job.get("mlflow_experiment").asText()).get("experiment").get("name").asText();
    assertThat(rows("compare-runs-table")).hasSize(5)
        .allSatisfy(r -> assertThat(r.getText()).startsWith(jobExperiment + " con2-churn"));
    assertThat(rows("compare-jobs-table").get(0).getText()).contains(data.trainingJobId,
        four(job.get("refit").get("holdout_score").asDouble()));

    // a run of another MLflow experiment (a notebook's, logged through MLflow's tracking API) joins the comparison
    String notebook = unique("con5-notebook");
    String experimentId = data.send("POST", "/api/2.0/mlflow/experiments/create", "{\"name\":\"" + notebook + "\"}", 200)
        .get("experiment_id").asText();
    String runId = data.send("POST", "/api/2.0/mlflow/runs/create", "{\"experiment_id\":\"" + experimentId
        + "\",\"run_name\":\"by-hand\",\"start_time\":" + System.currentTimeMillis() + "}", 200)
        .get("run").get("info").get("run_id").asText();
    data.send("POST", "/api/2.0/mlflow/runs/log-batch", "{\"run_id\":\"" + runId + "\",\"params\":[{\"key\":\"eta\","
        + "\"value\":\"0.3\"}],\"metrics\":[{\"key\":\"cv_auc\",\"value\":0.8125,\"timestamp\":1,\"step\":0}]}", 200);
    data.send("POST", "/api/2.0/mlflow/runs/update", "{\"run_id\":\"" + runId + "\",\"status\":\"FINISHED\"}", 200);
    find("add-experiment").sendKeys("no-such-experiment-con5", Keys.ENTER);
    JsonNode missing = JSON.readTree(data.call("GET",
        "/api/2.0/mlflow/experiments/get-by-name?experiment_name=no-such-experiment-con5", null).body());
    assertThat(find("add-experiment-form").findElement(testId("error")).getText())
        .isEqualTo(missing.get("message").asText());
    find("add-experiment").clear();
    int before = renders();
    find("add-experiment").sendKeys(notebook, Keys.ENTER);
    waitRendered(before);
    assertThat(browser.getCurrentUrl()).endsWith("/console/training?compare=" + data.trainingJobId + "&experiments="
        + experimentId);
    assertThat(find("compared-experiments").getText()).contains(jobExperiment, notebook + " (" + experimentId + ")");
    assertThat(rows("compare-runs-table")).hasSize(6);
    assertThat(rows("compare-runs-table")).extracting(WebElement::getText)
        .filteredOn(r -> r.startsWith(notebook + " by-hand FINISHED")).singleElement()
        .satisfies(r -> assertThat(r).contains("0.3", "0.8125"));
    screenshot("training-compare");
    reload();
    assertThat(rows("compare-runs-table")).hasSize(6);
  }

  @Test
  void everyViewFitsA1280PixelAndAPhoneWidthScreen() throws Exception {
    List<String> pages = List.of("/console/models", "/console/models/" + InsightData.MONITORED,
        "/console/models/" + InsightData.MONITORED + "/versions/1", "/console/deployments",
        "/console/deployments/" + InsightData.MONITORED, "/console/playground/" + InsightData.MONITORED + "/1",
        "/console/batch", "/console/features", "/console/features/" + InsightData.VIEW, "/console/monitoring",
        "/console/monitoring/" + InsightData.MONITORED + "/1", "/console/experiments",
        "/console/experiments/" + data.experimentId, "/console/training", "/console/training/" + data.trainingJobId,
        "/console/training?compare=" + data.trainingJobId, "/console/latency",
        "/console/latency/" + InsightData.MONITORED + "/1");
    for (Dimension size : List.of(new Dimension(1280, 900), new Dimension(390, 844))) {
      browser.manage().window().setSize(size);
      for (String page : pages) {
        open(page);
        String at = page + " at " + size.getWidth() + " px";
        assertThat(all("error")).as(at + ": " + all("error").stream().map(WebElement::getText).toList()).isEmpty();
        assertThat(all("notfound")).as(at).isEmpty();
        assertThat(scrollsSideways()).as(at + " scrolls sideways").isFalse();
        // nothing reaches past the window's right edge but inside a scrolling table or code block
        Object past = ((JavascriptExecutor) browser).executeScript("""
            const w = document.documentElement.clientWidth;
            return [...document.querySelectorAll('header *, main *')].filter((e) => {
              const r = e.getBoundingClientRect();
              // a chart's clipped parts (a scrolling legend's hidden items) are not drawn past the edge, and an SVG
              // group's box is its children's, clipped ones included: shapes and text are checked themselves
              return r.width > 0 && r.right > w + 1 && !e.closest('.table-wrap, pre, svg [clip-path]')
                && !(e instanceof SVGGElement);
            }).slice(0, 5).map((e) => e.tagName + ' in ' + e.closest('[data-testid]')?.dataset.testid
              + ' right=' + Math.round(e.getBoundingClientRect().right));
            """);
        assertThat((List<?>) past).as(at + ": elements past the right edge").isEmpty();
      }
      screenshot("layout-latency-" + size.getWidth());
    }
  }

  @Test
  void latencyShowsEachVersionsRequestsAndItsMonitoredWindows() throws Exception {
    open("/console/latency");
    WebElement row = rows("latency-table").stream()
        .filter(r -> r.getText().startsWith(InsightData.MONITORED + " v1 ")).findFirst().orElseThrow();
    // one request of 60 rows and five of one row; none failed
    assertThat(row.getText()).startsWith(InsightData.MONITORED + " v1 6 0 ");
    clickAndWait(row.findElement(By.linkText("v1")));
    assertThat(rows("latency-by-way")).singleElement()
        .satisfies(r -> assertThat(r.getText()).startsWith("rest 200 6 "));
    assertDrawn("live-chart");
    assertDrawn("window-chart");
    JsonNode latency = data.get("/api/v1/monitors/" + data.monitorId + "/runs/"
        + data.get("/api/v1/monitors/" + data.monitorId + "/runs").get("runs").get(0).get("run_id").asText())
        .get("latency");
    assertThat(rows("windows-table")).hasSize(2);
    assertThat(rows("windows-table").get(0).getText()).contains(" 6 ", two(latency.get("p95_ms").asDouble()) + " ms");
    screenshot("latency");
  }

  @Test
  void deepLinksToMissingThingsAreNotFound() throws Exception {
    for (String path : List.of("/console/features/no_such_view", "/console/monitoring/" + InsightData.MONITORED + "/99",
        "/console/experiments/exp-does-not-exist", "/console/training/tj-does-not-exist",
        "/console/latency/no-such-model/1", "/console/deployments/no-such-model",
        "/console/playground/no-such-model/1", "/console/playground/" + InsightData.MONITORED + "/99",
        "/console/training?compare=tj-does-not-exist", "/console/training?experiments=999999")) {
      open(path);
      assertThat(find("notfound").getText()).as(path).isEqualTo("Not found");
    }
  }

  @Test
  void aRefusedSearchShowsTheApisMessage() throws Exception {
    open("/console/experiments?state=bogus");
    assertThat(find("error").getText()).isEqualTo("state: must be one of draft, running, paused, stopped; got 'bogus'");
  }

  private List<WebElement> rows(String table) {
    return find(table).findElements(By.cssSelector("tbody tr"));
  }

  /** The chart was drawn by ECharts (as SVG) with marks in it. */
  private void assertDrawn(String testid) {
    WebElement chart = find(testid);
    waiting().until(d -> "drawn".equals(chart.getAttribute("data-chart")));
    assertThat(chart.findElements(By.cssSelector("svg path"))).as(testid).isNotEmpty();
  }

  private static String four(double x) {
    return String.format(Locale.ROOT, "%.4f", x);
  }

  private static String two(double x) {
    return String.format(Locale.ROOT, "%.2f", x);
  }
}
