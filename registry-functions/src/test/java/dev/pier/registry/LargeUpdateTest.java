package dev.pier.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.kernel.engine.Framework;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.junit.jupiter.api.Test;

/**
 * An update is one DynamoDB transaction (the version, its audit entries and its index items), and DynamoDB takes at
 * most 100 writes in one — as the stand-in does. The largest update a version can get still fits, and search sees all
 * of it at once.
 */
class LargeUpdateTest extends StandInRegistry {

  @Test
  void anUpdateRewritingTwentyTagsAndTwentyMetricsOfAVersionWithLineageIsOneTransaction() {
    String m = model("wide");
    String parent = model("parent");
    String service = model("fs");
    for (int i = 0; i < SearchIndex.MAX_INDEXED; i++) {
      registry.registerReference(parent, new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of()), "ref", "bob");
    }
    ModelVersion v = registry.registerReference(m, new NewVersion(Framework.ONNX, null,
        new ModelVersion.Metadata("wide", tags("old"), metrics(0.1), Map.of(),
            Map.of(ServingProperties.FEATURE_SERVICE, service)),
        null, new ModelVersion.Provenance(null, null, lineage(parent))), "ref", "alice");

    // the most an update can change at once: every indexed tag and metric, the feature service, stage and status
    ModelVersion after = registry.versions().update(m, v.version(), 1L, before -> new ModelVersion(m, v.version(),
        before.artifact(), new ModelVersion.Metadata("wide", tags("new"), metrics(0.9), Map.of(),
            Map.of(ServingProperties.FEATURE_SERVICE, service + "-2")),
        before.serving(), before.provenance(), new ModelVersion.Governance(ApprovalStatus.PENDING_REVIEW,
            "Staging", before.governance().createdBy()), before.revision(), before.createdAt(), Instant.now()),
        "alice", "wider");

    assertThat(after.revision()).isEqualTo(2);
    assertThat(registry.version(m, v.version()).metadata().tags()).isEqualTo(tags("new"));
    for (int i = 0; i < SearchIndex.MAX_INDEXED; i++) {
      assertThat(versionsOf(m, "tags.t%02d = 'new-%d'".formatted(i, i))).as("tag %d", i).containsExactly(1);
      assertThat(versionsOf(m, "tags.t%02d = 'old-%d'".formatted(i, i))).as("tag %d", i).isEmpty();
      assertThat(versionsOf(m, "metrics.m%02d > 0.5".formatted(i))).as("metric %d", i).containsExactly(1);
    }
    assertThat(versionsOf(m, "current_stage = 'Staging' AND status = 'PENDING_REVIEW'")).containsExactly(1);
    assertThat(registry.searchIndex().usingFeatureService(service + "-2")).extracting(ModelVersion::model)
        .containsExactly(m);
    assertThat(registry.searchIndex().usingFeatureService(service)).isEmpty();
    for (int p = 1; p <= SearchIndex.MAX_INDEXED; p++) {
      assertThat(registry.searchIndex().children(parent, p)).extracting(ModelVersion::model).containsExactly(m);
    }
  }

  @Test
  void anUpdateThatLeavesTheIndexedFieldsAloneWritesNoIndexItems() {
    String m = model("quiet");
    ModelVersion v = registry.registerReference(m, new NewVersion(Framework.ONNX, null,
        new ModelVersion.Metadata("before", tags("x"), metrics(0.5), Map.of(), Map.of()), null, null), "ref", "alice");
    ModelVersion described = v.edited(new ModelVersion.Metadata("after", v.metadata().tags(), v.metadata().metrics(),
        v.metadata().params(), v.metadata().properties()), Instant.now());

    SearchIndex.IndexChange change = SearchIndex.change(v, described);

    assertThat(change.puts()).isEmpty();
    assertThat(change.deletes()).isEmpty();
  }

  private List<Integer> versionsOf(String model, String filter) {
    return registry.search(SearchFilter.parse("name = '" + model + "' AND " + filter), List.of(), null, 10).items()
        .stream().map(ModelVersion::version).toList();
  }

  private static Map<String, String> tags(String value) {
    Map<String, String> tags = new LinkedHashMap<>();
    for (int i = 0; i < SearchIndex.MAX_INDEXED; i++) {
      tags.put("t%02d".formatted(i), value + "-" + i);
    }
    return tags;
  }

  private static Map<String, Double> metrics(double base) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    for (int i = 0; i < SearchIndex.MAX_INDEXED; i++) {
      metrics.put("m%02d".formatted(i), base + i / 1000.0);
    }
    return metrics;
  }

  private static String lineage(String parent) {
    StringJoiner parents = new StringJoiner(",", "{\"parents\":[", "]}");
    for (int p = 1; p <= SearchIndex.MAX_INDEXED; p++) {
      parents.add("{\"model\":\"" + parent + "\",\"version\":" + p + "}");
    }
    return parents.toString();
  }
}
