package dev.pier.api;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;

/**
 * Every {@link FeatureStoreApiTest} again with small online reads answered on the HTTP I/O thread ({@code
 * pier.features.inline-read-values=1000}, off by default): the same answers and the same 4xx as on a worker, and a
 * read above the bound still handed to one.
 */
@QuarkusTest
@TestProfile(FeatureStoreInlineReadsApiTest.InlineReads.class)
class FeatureStoreInlineReadsApiTest extends FeatureStoreApiTest {
  public static class InlineReads implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("pier.features.inline-read-values",
          Integer.toString(dev.pier.features.http.OnlineReads.IN_PROCESS_INLINE_VALUES));
    }
  }
}
