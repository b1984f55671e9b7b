package dev.pier.security.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PiiFieldsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  @Test
  void marksAreReadFromTheVersionPropertyAndWrittenBackSorted() {
    PiiFields pii = PiiFields.from(Map.of(PiiFields.PROPERTY, " name, email ,,"));
    assertThat(pii.names()).containsExactlyInAnyOrder("name", "email");
    assertThat(pii.property()).isEqualTo("email,name");
    assertThat(PiiFields.from(Map.of()).isEmpty()).isTrue();
  }

  @Test
  void markedOipInputsAndNamedFeaturesAreReplacedWholeAndTheRestIsUntouched() throws Exception {
    PiiFields pii = PiiFields.of(List.of("name"));
    JsonNode oip = json("{\"inputs\":[{\"name\":\"name\",\"datatype\":\"BYTES\",\"shape\":[2],\"data\":[\"Ann\",\"Bo\"]},"
        + "{\"name\":\"age\",\"datatype\":\"INT32\",\"shape\":[1],\"data\":[41]}]}");
    assertThat(pii.redact(oip).toString()).isEqualTo("{\"inputs\":[{\"name\":\"name\",\"datatype\":\"BYTES\","
        + "\"shape\":[2],\"data\":\"[PII]\"},{\"name\":\"age\",\"datatype\":\"INT32\",\"shape\":[1],\"data\":[41]}]}");
    assertThat(oip.toString()).as("the original is not changed").contains("Ann");
    JsonNode named = json("{\"instances\":[{\"name\":\"Ann\",\"age\":41},{\"age\":7}]}");
    assertThat(pii.redact(named).toString()).isEqualTo("{\"instances\":[{\"name\":\"[PII]\",\"age\":41},{\"age\":7}]}");
  }

  @Test
  void valuesOfMarkedFieldsAreCollectedForLogMasking() throws Exception {
    PiiFields pii = PiiFields.of(List.of("name"));
    assertThat(pii.values(json("{\"inputs\":[{\"name\":\"name\",\"data\":[[\"Ann\"],[\"Bo\"]]},"
        + "{\"name\":\"age\",\"data\":[41]}],\"instances\":[{\"name\":\"Cy\"}]}"))).containsExactly("Ann", "Bo", "Cy");
  }
}
