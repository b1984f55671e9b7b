package dev.pier.infra;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.assertions.Template;

/** Reading synthesized templates where {@code Match} is not enough (policy documents, dashboard bodies). */
final class Json {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The properties of every resource of {@code type}, keyed by logical id. */
  @SuppressWarnings("unchecked")
  static Map<String, Map<String, Object>> properties(Template template, String type) {
    Map<String, Map<String, Object>> out = new java.util.TreeMap<>();
    template.findResources(type).forEach((id, r) ->
        out.put(id, (Map<String, Object>) ((Map<String, Object>) r).get("Properties")));
    return out;
  }

  /** The statements of the policies whose logical id starts with {@code policyIdPrefix}. */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> statements(Template template, String policyIdPrefix) {
    List<Map<String, Object>> out = new ArrayList<>();
    properties(template, "AWS::IAM::Policy").forEach((id, props) -> {
      if (id.startsWith(policyIdPrefix)) {
        ((List<Object>) ((Map<String, Object>) props.get("PolicyDocument")).get("Statement"))
            .forEach(st -> out.add((Map<String, Object>) st));
      }
    });
    return out;
  }

  /** The resources (as JSON text) of the statements that allow {@code action}. */
  static List<String> resourcesAllowing(Template template, String policyIdPrefix, String action) {
    return statements(template, policyIdPrefix).stream()
        .filter(st -> st.get("Action").equals(action) || (st.get("Action") instanceof List<?> l && l.contains(action)))
        .flatMap(st -> st.get("Resource") instanceof List<?> l ? l.stream() : java.util.stream.Stream.of(st.get("Resource")))
        .map(Json::write)
        .toList();
  }

  /** Every IAM action granted by the policies whose logical id starts with {@code policyIdPrefix}. */
  @SuppressWarnings("unchecked")
  static List<String> allowedActions(Template template, String policyIdPrefix) {
    List<String> actions = new ArrayList<>();
    properties(template, "AWS::IAM::Policy").forEach((id, props) -> {
      if (!id.startsWith(policyIdPrefix)) {
        return;
      }
      var doc = (Map<String, Object>) props.get("PolicyDocument");
      for (Object st : (List<Object>) doc.get("Statement")) {
        Object a = ((Map<String, Object>) st).get("Action");
        if (a instanceof String s) {
          actions.add(s);
        } else {
          ((List<Object>) a).forEach(x -> actions.add((String) x));
        }
      }
    });
    return actions;
  }
}
