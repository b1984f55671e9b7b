package dev.pier.kernel.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.PierException;
import org.junit.jupiter.api.Test;

class SignatureJsonTest {
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void roundTripsTheTensorMetadataForm() throws Exception {
    var node = json.readTree("""
        {"inputs":[{"name":"x","datatype":"FP32","shape":[-1,4]}],
         "outputs":[{"name":"y","datatype":"INT64","shape":[-1]}]}""");
    Signature s = SignatureJson.parse(node, "signature");
    assertThat(s.inputs()).containsExactly(new TensorSpec("x", Datatype.FP32, new long[] {-1, 4}));
    assertThat(SignatureJson.parse(SignatureJson.write(s), "again")).isEqualTo(s);
  }

  @Test
  void rejectsAnUnknownDatatypeNamingTheField() throws Exception {
    var node = json.readTree("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"float\",\"shape\":[1]}]}");
    assertThatThrownBy(() -> SignatureJson.parse(node, "metadata.signature"))
        .isInstanceOf(PierException.class)
        .hasMessageContaining("metadata.signature.inputs[0].datatype");
  }

  @Test
  void rejectsDimensionsBelowMinusOne() throws Exception {
    var node = json.readTree("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[-2]}]}");
    assertThatThrownBy(() -> SignatureJson.parse(node, "s")).hasMessageContaining("s.inputs[0].shape[0]");
  }

  @Test
  void wildcardDimensionsAcceptAnySize() {
    var spec = new TensorSpec("x", Datatype.FP32, new long[] {-1, 4});
    assertThat(spec.accepts(new long[] {7, 4})).isTrue();
    assertThat(spec.accepts(new long[] {7, 3})).isFalse();
    assertThat(spec.accepts(new long[] {4})).isFalse();
  }
}
