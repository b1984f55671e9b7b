package dev.pier.sdk;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Pier's feature store over HTTP, in Feast's vocabulary: {@link #apply} definitions (or {@link #plan} them), {@link
 * #push} rows, {@link #getOnlineFeatures} and {@link #getHistoricalFeatures}. Every call throws {@link
 * PierApiException} with the status and the server's message on an answer that is not 2xx. Thread-safe.
 *
 * <pre>{@code
 * FeatureStoreClient store = FeatureStoreClient.create(URI.create("http://127.0.0.1:8080"));
 * OnlineFeatures online = store.getOnlineFeatures(Map.of("driver_id", List.of(1001)),
 *     FeatureSelection.service("driver_activity"), false);
 * }</pre>
 */
public final class FeatureStoreClient {
  private static final ObjectMapper JSON = JsonMapper.builder()
      .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  private final URI base;
  private final String apiKey;
  private final HttpClient http;
  private final Duration timeout;

  private FeatureStoreClient(URI base, String apiKey, HttpClient http, Duration timeout) {
    String url = base.toString();
    this.base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    this.apiKey = apiKey;
    this.http = http;
    this.timeout = timeout;
  }

  /** A client of the server at {@code base} ({@code http://127.0.0.1:8080}) without authentication. */
  public static FeatureStoreClient create(URI base) {
    return create(base, null);
  }

  /** A client sending {@code apiKey} (when not null) as {@code X-Api-Key}. */
  public static FeatureStoreClient create(URI base, String apiKey) {
    return new FeatureStoreClient(base, apiKey,
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build(), Duration.ofSeconds(60));
  }

  /**
   * Applies a definitions document, YAML or JSON text ({@code ./pier features apply FILE}'s document). {@code dryRun}
   * only plans; {@code force} applies a change that breaks registered model versions. A document with problems is a
   * 400 listing them all, and nothing is applied.
   */
  public ApplyPlan apply(String document, boolean dryRun, boolean force) {
    return apply(document, "application/yaml", dryRun, force);
  }

  private ApplyPlan apply(String document, String contentType, boolean dryRun, boolean force) {
    StringBuilder path = new StringBuilder("/api/v1/features/apply");
    if (dryRun || force) {
      path.append('?').append(dryRun ? "dry_run=true" : "").append(dryRun && force ? "&" : "")
          .append(force ? "force=true" : "");
    }
    return read(send(path.toString(), contentType, document), ApplyPlan.class);
  }

  /** Applies a definitions document (YAML or JSON text). */
  public ApplyPlan apply(String document) {
    return apply(document, false, false);
  }

  /** Applies a definitions document given as a tree of maps and lists (sent as JSON). */
  public ApplyPlan apply(Map<String, ?> document, boolean dryRun) {
    return apply(write(document), "application/json", dryRun, false);
  }

  /** What {@link #apply(String)} would change, changing nothing ({@code ?dry_run=true}). */
  public ApplyPlan plan(String document) {
    return apply(document, true, false);
  }

  /**
   * Feast's {@code /push}: {@code df} maps each column (join keys, features, the timestamp field) to its values.
   */
  public PushResult push(String pushSourceName, Map<String, ? extends List<?>> df, PushMode to) {
    ObjectNode body = JSON.createObjectNode().put("push_source_name", pushSourceName);
    body.set("df", JSON.valueToTree(df));
    body.put("to", to.wire());
    return read(send("/push", "application/json", body.toString()), PushResult.class);
  }

  /**
   * Feast's {@code /get-online-features}: {@code entities} maps each join key — and each request field of an
   * on-demand view — to its values. {@code fullFeatureNames} names features {@code view__feature}.
   */
  public OnlineFeatures getOnlineFeatures(Map<String, ? extends List<?>> entities, FeatureSelection selection,
      boolean fullFeatureNames) {
    ObjectNode body = selected(selection, fullFeatureNames);
    body.set("entities", JSON.valueToTree(entities));
    JsonNode answer = tree(send("/get-online-features", "application/json", body.toString()));
    List<String> names = JSON.convertValue(answer.path("metadata").path("feature_names"),
        JSON.getTypeFactory().constructCollectionType(List.class, String.class));
    List<OnlineFeatures.Result> results = JSON.convertValue(answer.path("results"),
        JSON.getTypeFactory().constructCollectionType(List.class, OnlineFeatures.Result.class));
    return new OnlineFeatures(names, results);
  }

  /**
   * Point-in-time correct training rows for inline {@code entityRows} (up to 10,000: join keys, {@code
   * event_timestamp}, labels), answered inline.
   */
  public HistoricalFeatures getHistoricalFeatures(List<? extends Map<String, ?>> entityRows,
      FeatureSelection selection, boolean fullFeatureNames) {
    ObjectNode body = selected(selection, fullFeatureNames);
    body.set("entity_rows", JSON.valueToTree(entityRows));
    return read(send("/api/v1/features/historical", "application/json", body.toString()), HistoricalFeatures.class);
  }

  /**
   * Point-in-time correct training rows for any number of entity rows in a Parquet file ({@code entitySource}, an
   * {@code s3://} URI), written as Parquet to {@code output} (null: {@code pier-historical/<uuid>.parquet} next to
   * the entity file).
   */
  public HistoricalOutput getHistoricalFeatures(String entitySource, String output, FeatureSelection selection,
      boolean fullFeatureNames) {
    ObjectNode body = selected(selection, fullFeatureNames);
    body.put("entity_source", entitySource);
    if (output != null) {
      body.put("output", output);
    }
    return read(send("/api/v1/features/historical", "application/json", body.toString()), HistoricalOutput.class);
  }

  private static ObjectNode selected(FeatureSelection selection, boolean fullFeatureNames) {
    ObjectNode body = JSON.createObjectNode();
    if (selection.features() != null) {
      body.set("features", JSON.valueToTree(selection.features()));
    } else {
      body.put("feature_service", selection.featureService());
    }
    if (fullFeatureNames) {
      body.put("full_feature_names", true);
    }
    return body;
  }

  private String send(String path, String contentType, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
        .header("Content-Type", contentType).header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (apiKey != null) {
      request.header("X-Api-Key", apiKey);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("POST " + base + path + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for POST " + base + path, e);
    }
    if (response.statusCode() / 100 != 2) {
      throw new PierApiException(response.statusCode(), detail(response.body()), response.body());
    }
    return response.body();
  }

  /** The problem document's {@code detail} (or OIP's {@code error}, MLflow's {@code message}), else the body. */
  private static String detail(String body) {
    try {
      JsonNode node = JSON.readTree(body);
      for (String field : List.of("detail", "error", "message")) {
        if (node != null && node.path(field).isTextual()) {
          return node.path(field).asText();
        }
      }
    } catch (IOException notJson) {
      // the body itself is the message
    }
    return body;
  }

  private static JsonNode tree(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException("the server answered malformed JSON", e);
    }
  }

  private static <T> T read(String body, Class<T> type) {
    return JSON.convertValue(tree(body), type);
  }

  private static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
