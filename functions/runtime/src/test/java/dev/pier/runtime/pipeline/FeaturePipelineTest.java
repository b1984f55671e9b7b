package dev.pier.runtime.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.runtime.Tensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FeaturePipelineTest {
  private static FeaturePipeline pipeline(String json) throws Exception {
    return FeaturePipeline.parse(new ObjectMapper().readTree(json), "pipeline");
  }

  @Test
  void eachStepTransformsAsDeclaredInOrder() throws Exception {
    FeaturePipeline p = pipeline("""
        {"input": "x", "features": [
          {"name": "a", "steps": [{"clip": [0, 10]}, {"standardize": {"mean": 4, "std": 2}}]},
          {"name": "b", "steps": [{"impute": 3}, {"minmax": {"min": 1, "max": 5}}]},
          {"name": "c", "steps": [{"log": true}]},
          {"name": "d", "expression": "(a + 2) * -c"},
          {"name": "e", "ordinal": {"categories": ["lo", "mid", "hi"], "unknown": "ignore"}},
          {"name": "f", "hash": {"buckets": 4}}
        ]}""");
    Map<String, Object> row = new HashMap<>(Map.of("a", 20.0, "c", Math.E - 1, "e", "hi", "f", "user-1"));
    row.put("b", null);
    Tensor t = p.apply(List.of(row));
    float[] v = (float[]) t.data();
    assertThat(t.shape()).containsExactly(1, 9);
    assertThat((double) v[0]).isCloseTo((10 - 4) / 2.0, offset(1e-6)); // clipped to 10, then standardized
    assertThat((double) v[1]).isCloseTo((3 - 1) / 4.0, offset(1e-6)); // imputed, then scaled
    assertThat((double) v[2]).isCloseTo(1.0, offset(1e-6)); // log1p(e - 1)
    assertThat((double) v[3]).isCloseTo((20 + 2) * -(Math.E - 1), offset(1e-4)); // raw values feed expressions
    assertThat(v[4]).isEqualTo(2f);
    float ones = v[5] + v[6] + v[7] + v[8];
    assertThat(ones).isEqualTo(1f);
    assertThat(p.apply(List.of(row)).data()).isEqualTo(t.data()); // stable across calls
  }

  @Test
  void unknownCategoriesAreIgnoredOrRefusedByPolicy() throws Exception {
    FeaturePipeline ignore = pipeline("{\"input\":\"x\",\"features\":[{\"name\":\"k\",\"onehot\":"
        + "{\"categories\":[\"a\",\"b\"],\"unknown\":\"ignore\"}}]}");
    assertThat((float[]) ignore.apply(List.of(Map.of("k", "z"))).data()).containsExactly(0f, 0f);
    FeaturePipeline strict = pipeline("{\"input\":\"x\",\"features\":[{\"name\":\"k\",\"ordinal\":"
        + "{\"categories\":[\"a\"]}}]}");
    assertThatThrownBy(() -> strict.apply(List.of(Map.of("k", "z")))).hasMessageContaining("unknown category 'z'");
    FeaturePipeline missing = pipeline("{\"input\":\"x\",\"features\":[{\"name\":\"k\",\"ordinal\":"
        + "{\"categories\":[\"a\",\"b\"],\"unknown\":\"missing\"}}]}");
    java.util.Map<String, Object> absent = new java.util.HashMap<>();
    assertThat((float[]) missing.apply(List.of(Map.of("k", "b"), Map.of("k", "z"), absent)).data())
        .containsExactly(1f, Float.NaN, Float.NaN);
    assertThat(missing.requires("k")).isFalse();
    FeaturePipeline integers = pipeline("{\"input\":\"x\",\"features\":[{\"name\":\"k\",\"ordinal\":"
        + "{\"categories\":[\"10\",\"2\",\"3\"],\"unknown\":\"missing\"}}]}");
    assertThat((float[]) integers.apply(List.of(Map.of("k", 3.0), Map.of("k", 10L), Map.of("k", "2"),
        Map.of("k", 2.5))).data()).containsExactly(2f, 0f, 1f, Float.NaN);
    assertThatThrownBy(() -> pipeline("{\"input\":\"x\",\"features\":[{\"name\":\"k\",\"onehot\":"
        + "{\"categories\":[\"a\"],\"unknown\":\"missing\"}}]}")).hasMessageContaining("onehot.unknown must be");
  }

  @Test
  void malformedSpecsAreRefusedNamingTheField() {
    assertThatThrownBy(() -> pipeline("{\"input\":\"x\",\"features\":[{\"name\":\"a\",\"expression\":\"a + (\"}]}"))
        .hasMessageContaining("pipeline.features[0].expression");
    assertThatThrownBy(() -> pipeline("{\"input\":\"x\",\"features\":[{\"name\":\"a\",\"steps\":[{\"standardize\":"
        + "{\"mean\":0,\"std\":0}}]}]}")).hasMessageContaining("std must be positive");
    assertThatThrownBy(() -> pipeline("{\"features\":[]}")).hasMessageContaining("needs 'input'");
  }

  @Test
  void aFeatureBeyondFp32sRangeIsRefusedNamingTheFeature() throws Exception {
    FeaturePipeline p = pipeline("{\"input\":\"x\",\"features\":[{\"name\":\"a\"}]}");
    assertThatThrownBy(() -> p.apply(List.of(Map.of("a", 1e308))))
        .hasMessageContaining("feature 'a': 1.0E308 is outside FP32's range");
  }
}
