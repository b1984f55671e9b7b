package dev.pier.runtime.oip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.Tensor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OipJsonTest {
  private static InferenceRequest parse(String json) {
    return OipJson.parseRequest(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void flattensNestedDataRowMajor() {
    InferenceRequest r = parse("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"INT32\",\"shape\":[2,2],\"data\":[[1,2],[3,4]]}]}");
    assertThat((int[]) r.inputs().get(0).data()).containsExactly(1, 2, 3, 4);
  }

  @Test
  void keepsUnsignedValuesInTheirBitPattern() {
    InferenceRequest r = parse("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"UINT64\",\"shape\":[1],\"data\":[18446744073709551615]}]}");
    assertThat((long[]) r.inputs().get(0).data()).containsExactly(-1L);
    byte[] out = OipJson.writeResponse(new InferenceResponse("m", 1, null, r.inputs()));
    assertThat(new String(out, StandardCharsets.UTF_8)).contains("[18446744073709551615]");
  }

  @Test
  void refusesFloatsForIntegerTypes() {
    assertThatThrownBy(() -> parse("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"INT64\",\"shape\":[1],\"data\":[1.5]}]}"))
        .hasMessageContaining("data[0] must be an integer");
  }

  @Test
  void refusesTrailingGarbageAndDuplicateKeys() {
    assertThatThrownBy(() -> parse("{\"inputs\":[]} x")).hasMessageContaining("malformed JSON");
    assertThatThrownBy(() -> parse("{\"inputs\":[],\"inputs\":[]}")).hasMessageContaining("malformed JSON");
  }

  @Test
  void refusesHugeShapesBeforeAllocating() {
    assertThatThrownBy(() -> parse("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[100000,100000],\"data\":[]}]}"))
        .isInstanceOf(PierException.class).extracting(e -> ((PierException) e).status()).isEqualTo(413);
    assertThatThrownBy(() -> parse("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[9223372036854775807,9],\"data\":[]}]}"))
        .isInstanceOf(PierException.class);
  }

  @Test
  void writesTheResponseWithTheVersionAsAString() {
    byte[] out = OipJson.writeResponse(new InferenceResponse("m", 3, "r1",
        List.of(new Tensor("y", Datatype.FP32, new long[] {2}, new float[] {0.5f, 1f}))));
    assertThat(new String(out, StandardCharsets.UTF_8)).isEqualTo(
        "{\"model_name\":\"m\",\"model_version\":\"3\",\"id\":\"r1\",\"outputs\":[{\"name\":\"y\",\"datatype\":\"FP32\","
            + "\"shape\":[2],\"data\":[0.5,1.0]}]}");
  }

  /** Property: whatever bytes arrive, decoding either succeeds or fails with a 4xx, never anything else. */
  @Test
  void randomMutationsOfAValidBodyNeverEscapeAs5xx() {
    String valid = "{\"id\":\"a\",\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],"
        + "\"data\":[5.1,3.5,1.4,0.2]}],\"outputs\":[{\"name\":\"label\"}]}";
    String alphabet = "{}[]\":,-0123456789.eE truefalsenulNaN\\u";
    Random random = new Random(42);
    for (int i = 0; i < 20_000; i++) {
      StringBuilder s = new StringBuilder(valid);
      int edits = 1 + random.nextInt(4);
      for (int e = 0; e < edits; e++) {
        int at = random.nextInt(s.length());
        switch (random.nextInt(3)) {
          case 0 -> s.deleteCharAt(at);
          case 1 -> s.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
          default -> s.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
        }
      }
      try {
        parse(s.toString());
      } catch (PierException e) {
        assertThat(e.status()).as("status for %s", s).isBetween(400, 499);
      }
    }
  }

  private static String tensor(String datatype, String value) {
    return "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"" + datatype + "\",\"shape\":[1],\"data\":[" + value + "]}]}";
  }

  @Test
  void refusesAnFp32ValueBeyondItsRangeNamingTheInput() {
    assertThatThrownBy(() -> parse(tensor("FP32", "1e308")))
        .hasMessage("input 'x': data[0] must be a number in [-3.4028235E38, 3.4028235E38] for FP32, got 1.0E308");
    assertThatThrownBy(() -> parse(tensor("FP32", "-1e39"))).hasMessageContaining("input 'x': data[0]");
  }

  @Test
  void refusesAnFp16ValueBeyondItsRange() {
    assertThatThrownBy(() -> parse(tensor("FP16", "70000"))).hasMessageContaining("[-65504, 65504] for FP16");
    assertThat((float[]) parse(tensor("FP16", "65504")).inputs().get(0).data()).containsExactly(65504f);
  }

  @Test
  void refusesAnFp64ValueThatJsonCanOnlyCarryAsInfinity() {
    assertThatThrownBy(() -> parse(tensor("FP64", "1e400"))).hasMessageContaining("input 'x': data[0]");
    assertThat((double[]) parse(tensor("FP64", "1e308")).inputs().get(0).data()).containsExactly(1e308);
  }

  @Test
  void writesNonFiniteOutputsAsNullNeverAsStrings() {
    Tensor out = new Tensor("y", Datatype.FP32, new long[] {3}, new float[] {Float.NaN, Float.POSITIVE_INFINITY, 1.5f});
    Tensor wide = new Tensor("z", Datatype.FP64, new long[] {1}, new double[] {Double.NEGATIVE_INFINITY});
    String json = new String(OipJson.writeResponse(new InferenceResponse("m", 1, null, List.of(out, wide))),
        StandardCharsets.UTF_8);
    assertThat(json).contains("\"data\":[null,null,1.5]").contains("\"data\":[null]").doesNotContain("NaN");
  }
}
