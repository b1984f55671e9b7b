package dev.pier.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.tests.PierUp;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.TestInstancePostProcessor;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The base of the console's browser tests: one {@code ./pier up} (the plain server this reactor built, as
 * {@link PierUp} starts it) and one headless Debian {@code chromium} driven through Debian's {@code chromedriver}, shared
 * by every console test class in the run and stopped when the run ends. The server runs with {@code --auth}: the
 * browser signs in with an API key of its own (the console's sign-in page, see {@link #open}), and the tests' own API
 * calls use the admin key or a key per user ({@link #register(String, String, String, String)}). Both paths are given explicitly, so Selenium
 * Manager never tries to download a browser or a driver ({@code ./pier test} installs the two packages when missing).
 *
 * <p>Tests make their data through the public API ({@link #api}, {@link #register}), open console pages ({@link #open}),
 * find elements by {@code data-testid} ({@link #testId}), and write {@link #screenshot}s to
 * {@code tests/target/console-screenshots/}. Each test uses model names of its own, so test classes share the server.
 */
@ExtendWith(ConsoleBrowserTest.Shared.Starter.class)
public abstract class ConsoleBrowserTest {
  protected static final ObjectMapper JSON = new ObjectMapper();
  protected static final Path FIXTURES = PierUp.ROOT.resolve("tests/fixtures/models");
  private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  /** Selenium has no CDP bindings for chromium 150 and says so on every start; nothing here uses CDP. */
  private static final java.util.logging.Logger CDP_FINDER = quiet("org.openqa.selenium.devtools.CdpVersionFinder");

  private Shared shared;
  protected WebDriver browser;
  protected String base;
  /** The shared server's data directory (its {@code local.env} names the S3 stand-in and its keys). */
  protected Path dataDir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** The server and browser, started once per test run and closed by JUnit at its end. */
  static final class Shared implements AutoCloseable {
    final PierUp.Started server;
    final Path dataDir;
    final String adminKey;
    /** API keys by user name (each an admin), made on first use; "console" is the key the browser signs in with. */
    final Map<String, String> keys = new java.util.concurrent.ConcurrentHashMap<>();
    final ChromeDriverService service;
    final WebDriver driver;
    /** The Cognito-shaped identity provider the API trusts and the console's config.json names. */
    final IdentityStandIn identity;

    Shared() throws Exception {
      assertThat(CHROMIUM).as("Debian's chromium (./pier test installs it: apt-get install chromium)").isExecutable();
      assertThat(CHROMEDRIVER).as("Debian's chromium-driver (apt-get install chromium-driver)").isExecutable();
      dataDir = Files.createTempDirectory("pier-console");
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      identity = new IdentityStandIn();
      Path jwks = Files.writeString(dataDir.resolve("jwks.json"), identity.jwks());
      Path consoleConfig = Files.writeString(dataDir.resolve("console-config.json"), "{}");
      server = PierUp.start(dataDir, Map.of("PIER_AUTH_JWT_ISSUER", identity.issuer(), "PIER_AUTH_JWT_JWKS",
          jwks.toString(), "PIER_CONSOLE_CONFIG_FILE", consoleConfig.toString()), port -> client.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/v2/health/ready")).build(), HttpResponse.BodyHandlers.discarding())
          .statusCode(), "--auth");
      adminKey = Files.readString(dataDir.resolve("admin.key")).strip();
      // what ConsoleSite writes in AWS, pointed at the stand-in; API keys stay on for the other tests
      Files.writeString(consoleConfig, "{\"apiKeys\":true,\"cognito\":{\"domain\":\"" + identity.issuer()
          + "\",\"clientId\":\"" + IdentityStandIn.CLIENT_ID + "\",\"redirectUri\":\"http://127.0.0.1:"
          + server.port() + "/console/\",\"tokenUse\":\"access\"}}");
      service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort()
          .withLogOutput(java.io.OutputStream.nullOutputStream()).build();
      ChromeOptions options = new ChromeOptions();
      options.setBinary(CHROMIUM.toFile());
      options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          "--window-size=1280,900", "--lang=en-US", "--user-data-dir=" + dataDir.resolve("chromium"));
      options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
      driver = new ChromeDriver(service, options);
      driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    }

    @Override
    public void close() throws Exception {
      try {
        driver.quit();
      } finally {
        identity.close();
        server.process().destroy();
        if (!server.process().waitFor(30, TimeUnit.SECONDS)) {
          server.process().destroyForcibly();
        }
      }
    }

    /** Puts the shared server and browser in each test instance. */
    static final class Starter implements TestInstancePostProcessor {
      @Override
      public void postProcessTestInstance(Object instance, ExtensionContext context) {
        Shared shared = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
            .computeIfAbsent(Shared.class, k -> {
              try {
                return new Shared();
              } catch (Exception e) {
                throw new ParameterResolutionException("could not start ./pier up and chromium: " + e, e);
              }
            }, Shared.class);
        ConsoleBrowserTest test = (ConsoleBrowserTest) instance;
        test.browser = shared.driver;
        test.base = "http://127.0.0.1:" + shared.server.port();
        test.dataDir = shared.dataDir;
        test.shared = shared;
      }
    }
  }

  /** The identity provider (Cognito's stand-in) the server trusts. */
  protected IdentityStandIn identity() {
    return shared.identity;
  }

  @BeforeEach
  void desktopWidth() {
    browser.manage().window().setSize(new Dimension(1280, 900));
  }

  // ---- the browser ----

  /** Loads a console path (a full page load, as a typed or reloaded URL) and waits for the page to be drawn. */
  protected void open(String path) throws Exception {
    browser.get(base + path);
    waitRendered(0);
    if (!all("view-signin").isEmpty() && all("error").isEmpty()) {
      signIn(keyOf("console"));
    }
  }

  /** Signs in on the console's sign-in page with this API key, and waits for the page it was asked for. */
  protected void signIn(String key) {
    find("api-key").sendKeys(key);
    clickAndWait(find("sign-in"));
  }

  /** The API key of {@code user} (an admin key made on first use through {@code POST /api/v1/keys}). */
  protected String keyOf(String user) throws Exception {
    String key = shared.keys.get(user);
    if (key == null) {
      JsonNode created = answer("POST", "/api/v1/keys", "{\"name\":\"" + user + "\",\"roles\":[\"admin\"]}",
          shared.adminKey);
      assertThat(created).isNotNull();
      key = created.get("key").asText();
      shared.keys.put(user, key);
    }
    return key;
  }

  /** Reloads the page the browser is on (the server answers index.html for the deep link). */
  protected void reload() throws Exception {
    browser.navigate().refresh();
    waitRendered(0);
  }

  /** The number of the last page drawn by the console's router. */
  protected int renders() {
    Object n = ((JavascriptExecutor) browser).executeScript("return Number(document.body.dataset.render || 0)");
    return ((Number) n).intValue();
  }

  /** Waits until the router has drawn a page newer than {@code after} (0: any page). */
  protected void waitRendered(int after) {
    try {
      waiting().until(d -> "ready".equals(((JavascriptExecutor) d).executeScript("return document.body.dataset.state"))
          && renders() > after);
    } catch (org.openqa.selenium.TimeoutException e) {
      throw new AssertionError("the console drew no page at " + browser.getCurrentUrl() + "; the page says:\n"
          + browser.findElement(By.tagName("body")).getText() + "\nthe browser's console:\n" + browserLog(), e);
    }
  }

  /** What the page wrote to the browser's console (errors included), for failure messages. */
  protected String browserLog() {
    StringBuilder out = new StringBuilder();
    browser.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER)
        .forEach(entry -> out.append(entry.getLevel()).append(' ').append(entry.getMessage()).append('\n'));
    return out.toString();
  }

  /** Clicks an element that moves to another console page and waits for that page. */
  protected void clickAndWait(WebElement element) {
    int before = renders();
    element.click();
    waitRendered(before);
  }

  protected static By testId(String id) {
    return By.cssSelector("[data-testid='" + id + "']");
  }

  /** Waits for an element with this data-testid to be visible. */
  protected WebElement find(String testid) {
    return waiting().until(ExpectedConditions.visibilityOfElementLocated(testId(testid)));
  }

  protected List<WebElement> all(String testid) {
    return browser.findElements(testId(testid));
  }

  /** Waits up to 20 s; an element replaced while a condition reads it (a table redrawn) is read again. */
  protected WebDriverWait waiting() {
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
    return wait;
  }

  protected void phoneWidth() {
    browser.manage().window().setSize(new Dimension(390, 844));
  }

  /** Whether the page is wider than the window (a layout that breaks at this width). */
  protected boolean scrollsSideways() {
    return (Boolean) ((JavascriptExecutor) browser).executeScript(
        "return document.documentElement.scrollWidth > document.documentElement.clientWidth + 1");
  }

  /** Writes the window as {@code tests/target/console-screenshots/<name>.png}. */
  protected Path screenshot(String name) throws Exception {
    Files.createDirectories(SCREENSHOTS);
    Path file = SCREENSHOTS.resolve(name + ".png");
    Files.write(file, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    return file;
  }

  // ---- the API, as a user would call it ----

  /** An API answer: status and parsed body. */
  protected record Answer(int status, JsonNode body) {}

  /** Calls the API as the console's own user (the key the browser signs in with). */
  protected Answer call(String method, String path, String json) throws Exception {
    return call(method, path, json, keyOf("console"));
  }

  /** Calls the API with this API key. */
  protected Answer call(String method, String path, String json, String key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
        .header("X-Api-Key", key);
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    HttpResponse<String> r = http.send(b.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body().isBlank() ? JSON.nullNode() : JSON.readTree(r.body()));
  }

  /** Calls the API as the console's user and expects a 2xx; returns the body. */
  protected JsonNode api(String method, String path, String json) throws Exception {
    return answer(method, path, json, keyOf("console"));
  }

  private JsonNode answer(String method, String path, String json, String key) throws Exception {
    Answer a = call(method, path, json, key);
    assertThat(a.status()).as(method + " " + path + ": " + a.body()).isBetween(200, 299);
    return a.body();
  }

  /** Registers a fixture model file ({@code tests/fixtures/models/<file>}) with this metadata; returns the version. */
  protected int register(String model, String file, String metadata) throws Exception {
    return register(model, file, metadata, "console");
  }

  /** As {@link #register(String, String, String)}, by {@code user} (with {@link #keyOf} that user's key). */
  protected int register(String model, String file, String metadata, String user) throws Exception {
    String boundary = "pier-" + System.nanoTime();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n" + metadata + "\r\n--"
        + boundary + "\r\nContent-Disposition: form-data; name=\"artifact\"; filename=\"" + file + "\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.write(Files.readAllBytes(FIXTURES.resolve(file)));
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/models/" + model + "/versions"))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary).header("X-Api-Key", keyOf(user))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return JSON.readTree(r.body()).get("version").asInt();
  }

  /** Copies {@code text} to {@code s3://<batch bucket>/<key>} with awscli, as the README does; returns the URI. */
  protected String uploadToBatchBucket(String key, String text) throws Exception {
    Properties env = new Properties();
    try (var r = Files.newBufferedReader(dataDir.resolve("local.env"))) {
      env.load(r);
    }
    Path file = Files.createTempFile(dataDir, "upload", ".tmp");
    Files.writeString(file, text);
    String uri = "s3://" + env.getProperty("PIER_BATCH_BUCKET") + "/" + key;
    ProcessBuilder pb = new ProcessBuilder("/usr/bin/aws", "--endpoint-url", env.getProperty("AWS_ENDPOINT_URL_S3"),
        "s3", "cp", file.toString(), uri).redirectErrorStream(true);
    for (String k : env.stringPropertyNames()) {
      pb.environment().put(k, env.getProperty(k));
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as(out).isTrue();
    return uri;
  }

  private static java.util.logging.Logger quiet(String name) {
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
    logger.setLevel(java.util.logging.Level.SEVERE);
    return logger;
  }

  /** A name no other test uses: {@code prefix} and a short random suffix. */
  protected static String unique(String prefix) {
    return prefix + "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
  }
}
