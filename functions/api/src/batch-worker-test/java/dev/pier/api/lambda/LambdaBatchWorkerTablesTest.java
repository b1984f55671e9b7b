package dev.pier.api.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.batch.TableOutputs;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * The batch worker's zip carries the table outputs its tasks write ({@code glue://}, {@code bigquery://}; Iceberg's
 * are {@code LambdaBatchWorkerIcebergTest}'s): the provider the wiring looks up ({@link TableOutputs#find}) is on its
 * class path, with Glue's client.
 * ({@code LambdaApiZipClassesTest} checks the API's zip has neither.)
 */
class LambdaBatchWorkerTablesTest {
  @Test
  void theZipFindsItsTableOutputs() throws Exception {
    assertThat(ServiceLoader.load(TableOutputs.Provider.class).stream().map(p -> p.type().getName()))
        .containsExactly("dev.pier.batch.tables.CatalogTableOutputs$Provider");
    assertThat(Class.forName("software.amazon.awssdk.services.glue.GlueClient")).isNotNull();
  }
}
