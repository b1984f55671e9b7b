package dev.pier.experiments.flags;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.pier.experiments.assignment.Allocation;
import dev.pier.kernel.PierException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlagEvaluatorTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static Flag flag(String json) throws Exception {
    return FlagParser.parse(JSON.readTree(json), "seed-1", 1);
  }

  private static final String CHECKOUT = """
      {"key": "new-checkout", "type": "boolean", "variants": {"on": true, "off": false},
       "rules": [{"conditions": [{"attribute": "country", "operator": "in", "values": ["NL", "BE"]},
                                 {"attribute": "age", "operator": "gte", "value": 18}],
                  "serve": {"rollout": [{"variant": "on", "weight": 0.2}, {"variant": "off", "weight": 0.8}]}},
                 {"conditions": [{"attribute": "email", "operator": "ends_with", "value": "@pier.dev"}],
                  "serve": {"variant": "on"}}],
       "default": {"variant": "off"}}""";

  @Test
  void theFirstMatchingRuleWinsAndOtherwiseTheDefaultServes() throws Exception {
    Flag f = flag(CHECKOUT);
    Evaluation staff = FlagEvaluator.evaluate(f, "u1", Map.of("email", TextNode.valueOf("ann@pier.dev")));
    assertThat(staff.value().asBoolean()).isTrue();
    assertThat(staff.reason()).isEqualTo("TARGETING_MATCH");
    Evaluation other = FlagEvaluator.evaluate(f, "u1", Map.of("country", TextNode.valueOf("FR")));
    assertThat(other.variant()).isEqualTo("off");
    assertThat(other.reason()).isEqualTo("STATIC");
  }

  @Test
  void aRuleNeedsAllItsConditionsAndAMissingAttributeMatchesNothing() throws Exception {
    Flag f = flag(CHECKOUT);
    assertThat(FlagEvaluator.evaluate(f, "u1", Map.of("country", TextNode.valueOf("NL"))).reason()).isEqualTo("STATIC");
    assertThat(FlagEvaluator.evaluate(f, "u1", Map.of("country", TextNode.valueOf("NL"), "age", IntNode.valueOf(17)))
        .reason()).isEqualTo("STATIC");
  }

  @Test
  void aRolloutPlacesUnitsWithTheExperimentHashInItsProportions() throws Exception {
    Flag f = flag(CHECKOUT);
    var sameHash = new Allocation("seed-1", List.of("on", "off"), List.of(0.2, 0.8));
    Map<String, JsonNode> dutchAdult = Map.of("country", TextNode.valueOf("BE"), "age", IntNode.valueOf(40));
    int on = 0;
    for (int i = 0; i < 20_000; i++) {
      Evaluation e = FlagEvaluator.evaluate(f, "user-" + i, dutchAdult);
      assertThat(e.variant()).isEqualTo(sameHash.arm("user-" + i)); // the same placement as an experiment's arms
      if (e.value().asBoolean()) on++;
    }
    assertThat(on / 20_000.0).isBetween(0.19, 0.21);
  }

  @Test
  void aDisabledFlagServesItsOffVariant() throws Exception {
    Flag f = flag(CHECKOUT.replace("\"default\"", "\"enabled\": false, \"default\""));
    Evaluation e = FlagEvaluator.evaluate(f, "u1", Map.of("email", TextNode.valueOf("ann@pier.dev")));
    assertThat(e.variant()).isEqualTo("off");
    assertThat(e.reason()).isEqualTo("DISABLED");
  }

  @Test
  void jsonFlagsServeStructuredValues() throws Exception {
    Flag f = flag("""
        {"key": "ranker-config", "type": "json",
         "variants": {"small": {"top_k": 10}, "large": {"top_k": 50, "rerank": true}},
         "default": {"variant": "large"}}""");
    assertThat(FlagEvaluator.evaluate(f, null, Map.of()).value().get("top_k").asInt()).isEqualTo(50);
  }

  @Test
  void everyProblemOfAFlagIsNamedInOne400() {
    try {
      flag("""
          {"key": "bad key!", "type": "boolean", "variants": {"on": true, "off": "nope"},
           "rules": [{"conditions": [{"attribute": "age", "operator": "gt", "value": "old"}],
                      "serve": {"rollout": [{"variant": "on", "weight": 0.5}, {"variant": "maybe", "weight": 0.6}]}}],
           "default": {"variant": "off"}}""");
      throw new AssertionError("expected a 400");
    } catch (PierException e) {
      assertThat(e.status()).isEqualTo(400);
      assertThat(e.getMessage()).contains("key: required", "variants.off: must be a boolean value",
          "rules[0].conditions[0].value: gt compares numbers", "rules[0].serve.rollout[1].variant: unknown variant 'maybe'",
          "rules[0].serve.rollout: weights must sum to 1, they sum to 1.1");
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
