package dev.pier.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.DynamoTables;
import dev.pier.kernel.engine.Framework;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The listings the console pages through — models by name or last change, versions by name, number or creation —
 * stream from a partition already in that order (no read-everything-and-sort), page by page with tokens, in both
 * directions; and a table written before those orders existed gets them filled in on first use.
 */
class ListingOrdersTest extends StandInRegistry {

  @Test
  void oneModelsVersionsStreamByNumberAndCreationInBothDirections() {
    String m = model("many");
    for (int i = 0; i < 7; i++) {
      reference(m, Map.of());
    }
    SearchFilter byName = SearchFilter.parse("name = '" + m + "'");

    for (String order : List.of("version_number DESC", "creation_timestamp DESC")) {
      assertThat(registry.searchIndex().explain(byName, List.of(order)).streams()).as(order).isTrue();
      assertThat(pages(t -> registry.search(byName, List.of(order), t, 3), ModelVersion::version))
          .as(order).containsExactly(7, 6, 5, 4, 3, 2, 1);
    }
    assertThat(pages(t -> registry.search(byName, List.of("version_number ASC"), t, 3), ModelVersion::version))
        .containsExactly(1, 2, 3, 4, 5, 6, 7);
  }

  @Test
  void allVersionsStreamByCreationTimeAndByModelName() {
    String a = model("zeta");
    String b = model("alpha");
    reference(a, Map.of());
    reference(b, Map.of());
    reference(a, Map.of());
    SearchFilter all = SearchFilter.parse("");
    var plan = registry.searchIndex().explain(all, List.of("creation_timestamp DESC"));
    assertThat(plan.partition()).isEqualTo("IDX#CREATED");
    assertThat(plan.streams()).isTrue();
    assertThat(registry.searchIndex().explain(all, List.of("name DESC")).streams()).isTrue();

    List<ModelVersion> newestFirst = pagesOf(t -> registry.search(all, List.of("creation_timestamp DESC"), t, 2));
    List<ModelVersion> expected = new ArrayList<>(newestFirst);
    expected.sort(Comparator.comparing(ModelVersion::createdAt).reversed());
    assertThat(newestFirst).extracting(ModelVersion::createdAt)
        .containsExactlyElementsOf(expected.stream().map(ModelVersion::createdAt).toList());
    assertThat(newestFirst.subList(0, 3)).extracting(v -> v.model() + "/" + v.version())
        .containsExactly(a + "/2", b + "/1", a + "/1");

    List<ModelVersion> byNameDesc = pagesOf(t -> registry.search(all, List.of("name DESC"), t, 2));
    assertThat(byNameDesc).extracting(ModelVersion::model).isSortedAccordingTo(Comparator.reverseOrder());
    assertThat(byNameDesc).hasSameSizeAs(newestFirst);
  }

  @Test
  void modelsStreamByLastChangeWithTagFiltersAndTokens() throws Exception {
    String tier = model("tier");
    String first = model("m");
    String second = model("m");
    String third = model("m");
    registry.models().create(first, null, Map.of("tier", tier), "alice");
    registry.models().create(second, null, Map.of("tier", tier), "alice");
    registry.models().create(third, null, Map.of("tier", "other"), "alice");
    Thread.sleep(2);
    reference(first, Map.of()); // a new version is a change of the model
    SearchFilter f = SearchFilter.parse("tags.tier = '" + tier + "'");

    assertThat(pages(t -> registry.models().search(f, List.of("last_updated_timestamp DESC"), t, 1),
        RegisteredModel::name)).containsExactly(first, second);
    assertThat(pages(t -> registry.models().search(f, List.of("last_updated_timestamp ASC"), t, 1),
        RegisteredModel::name)).containsExactly(second, first);
    assertThat(pages(t -> registry.models().search(f, List.of("name DESC"), t, 1), RegisteredModel::name))
        .containsExactly(second, first);

    List<RegisteredModel> all = pagesOf(t -> registry.models().search(SearchFilter.parse(""),
        List.of("last_updated_timestamp DESC"), t, 2));
    assertThat(all).extracting(RegisteredModel::updatedAt).isSortedAccordingTo(Comparator.reverseOrder());
    assertThat(all).extracting(RegisteredModel::name).doesNotHaveDuplicates().contains(first, second, third);
  }

  @Test
  void theLatestVersionInEachStageFollowsTransitions() {
    String m = model("staged");
    for (int i = 0; i < 4; i++) {
      reference(m, Map.of());
    }
    registry.reviews().transitionStage(m, 2, "Staging", false, "alice");
    registry.reviews().transitionStage(m, 3, "Staging", false, "alice");
    registry.reviews().transitionStage(m, 3, "Archived", false, "alice");
    List<String> stages = List.of("None", "Staging", "Production", "Archived");

    assertThat(registry.latestVersions(m, stages)).extracting(v -> v.version() + ":" + v.governance().stage())
        .containsExactly("2:Staging", "3:Archived", "4:None");
  }

  @Test
  void aRenamedModelKeepsItsPlaceInTheListingByLastChange() {
    String m = model("before");
    String renamed = model("after");
    reference(m, Map.of());

    registry.models().rename(m, renamed, "alice");

    List<String> names = pages(t -> registry.models().search(SearchFilter.parse(""),
        List.of("last_updated_timestamp DESC"), t, 50), RegisteredModel::name);
    assertThat(names).contains(renamed).doesNotContain(m);
  }

  @Test
  void aBadPageTokenIsA400() {
    assertThatThrownBy(() -> registry.models().search(SearchFilter.parse(""), List.of(), "bm90IGEgdG9rZW4", 5))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400));
    assertThatThrownBy(() -> registry.models().search(SearchFilter.parse(""), List.of("size DESC"), null, 5))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400));
  }

  @Test
  void aTableWrittenBeforeTheListingOrdersGetsThemOnFirstUse() {
    String table = model("legacy");
    DynamoTables.createIfMissing(clients.dynamoDb(), table, DynamoTables.SINGLE_TABLE, null); // no marker
    ModelRegistry old = new ModelRegistry(clients.dynamoDb(), table, new ArtifactStore(clients.s3(), "artifacts"));
    old.registerReference("x", source(), "by reference", "alice");
    old.registerReference("y", source(), "by reference", "alice");
    old.registerReference("x", source(), "by reference", "alice");
    // what the registry wrote before: none of the MODEL-UPDATED, IDX#CREATED and IDX#STAGE# items
    for (Map<String, AttributeValue> item : clients.dynamoDb().scanPaginator(b -> b.tableName(table)).items()) {
      if (item.get("sk").s().equals("UPDATED") || item.get("pk").s().equals("IDX#CREATED")
          || item.get("pk").s().startsWith("IDX#STAGE#")) {
        clients.dynamoDb().deleteItem(b -> b.tableName(table).key(Map.of("pk", item.get("pk"), "sk", item.get("sk"))));
      }
    }
    ModelRegistry now = new ModelRegistry(clients.dynamoDb(), table, new ArtifactStore(clients.s3(), "artifacts"));

    assertThat(now.models().search(SearchFilter.parse(""), List.of("last_updated_timestamp DESC"), null, 10).items())
        .extracting(RegisteredModel::name).containsExactly("x", "y");
    assertThat(now.search(SearchFilter.parse(""), List.of("creation_timestamp ASC"), null, 10).items())
        .extracting(v -> v.model() + "/" + v.version()).containsExactly("x/1", "y/1", "x/2");
    assertThat(now.latestVersions("x", List.of("None"))).extracting(ModelVersion::version).containsExactly(2);
    assertThat(clients.dynamoDb().getItem(b -> b.tableName(table).key(ListingBackfill.MARKER)).hasItem()).isTrue();
  }

  private ModelVersion reference(String m, Map<String, String> tags) {
    try {
      Thread.sleep(2); // distinct creation milliseconds, so the expected order is unambiguous
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return registry.registerReference(m, new NewVersion(Framework.ONNX, null, null, tags, Map.of()),
        "by reference", "alice");
  }

  private static NewVersion source() {
    try {
      Thread.sleep(2);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of());
  }

  /** Every page from the first, following next_page_token. */
  private static <T> List<T> pagesOf(Function<String, Page<T>> page) {
    List<T> all = new ArrayList<>();
    String token = null;
    int pages = 0;
    do {
      Page<T> p = page.apply(token);
      all.addAll(p.items());
      token = p.nextPageToken();
      assertThat(++pages).as("pages").isLessThan(1000);
    } while (token != null);
    return all;
  }

  private static <T, R> List<R> pages(Function<String, Page<T>> page, Function<T, R> field) {
    return pagesOf(page).stream().map(field).toList();
  }
}
