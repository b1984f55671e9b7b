package dev.pier.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The Batch view: a job run through the API (20 rows, one of them bad) listed with its progress, rows per second,
 * cost and a link to its error rows, its own page, and a schedule.
 */
class BatchConsoleTest extends ConsoleBrowserTest {
  @Test
  void showsAFinishedJobItsErrorsAndASchedule() throws Exception {
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      rows.append(i == 7 ? "{\"id\":7,\"input\":[5.1,3.5]}\n" : "{\"id\":" + i + ",\"input\":[5.1,3.5,1.4," + i / 10.0 + "]}\n");
    }
    String input = uploadToBatchBucket("console/" + unique("rows") + ".jsonl", rows.toString());
    String id = api("POST", "/api/v1/batch-jobs", "{\"model\":\"demo\",\"version\":\"production\",\"input\":\"" + input
        + "\",\"format\":\"jsonl\"}").get("id").asText();
    JsonNode job = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      job = api("GET", "/api/v1/batch-jobs/" + id, null);
      if (job.get("state").asText().equals("SUCCEEDED")) {
        break;
      }
      Thread.sleep(200);
    }
    assertThat(job.get("state").asText()).isEqualTo("SUCCEEDED");
    String schedule = api("POST", "/api/v1/batch-schedules", "{\"model\":\"demo\",\"input\":\"" + input + "\","
        + "\"format\":\"jsonl\",\"schedule\":\"rate(7 days)\"}").get("id").asText();

    open("/console/batch?model=demo");
    String row = find("job-" + id).getText();
    assertThat(row).contains("SUCCEEDED", "20 / 20", "1 rows", "demo v1",
        String.format(java.util.Locale.ROOT, "$%.6f", job.get("estimated_cost_usd").get("total").asDouble()));
    var bar = find("job-" + id).findElement(By.tagName("progress"));
    assertThat(bar.getAttribute("value")).isEqualTo("20");
    assertThat(bar.getAttribute("max")).isEqualTo("20");
    assertThat(find("schedule-" + schedule).getText()).contains("rate(7 days)", input);
    screenshot("batch");

    clickAndWait(find("job-" + id).findElement(By.cssSelector("[data-testid='errors-link']")));
    assertThat(browser.getCurrentUrl()).endsWith("/console/batch/" + id + "#errors");
    assertThat(find("job-throughput").getText()).contains("20 total, 19 scored, 1 errors",
        "Rows per second\n" + String.format(java.util.Locale.ROOT, "%,d", job.get("records_per_second").asLong()));
    assertThat(find("job-errors").getText()).contains(job.get("errors").asText());
  }

  @Test
  void aMissingJobIsNotFound() throws Exception {
    open("/console/batch/bj-does-not-exist");
    assertThat(find("notfound").getText()).isEqualTo("Not found");
  }
}
