package dev.pier.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.json.RequestJson;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Gives Quarkus' mapper, which reads JAX-RS entities such as the batch resources' {@code JsonNode} bodies, the same
 * nesting bound and duplicate-key rule as every other parser of request bodies ({@link RequestJson}).
 */
@Singleton
public class RequestJsonRules implements ObjectMapperCustomizer {
  @Override
  public void customize(ObjectMapper mapper) {
    RequestJson.configure(mapper);
  }
}
