package dev.pier.api.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.batch.TableOutputs;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * The API's zip is lean: batch scoring's table outputs (pier-batch-tables: Glue's client, Google's BigQuery clients, Iceberg)
 * are the batch worker's zip's alone ({@code -Plambda,batch-worker}), so the wiring finds none here
 * ({@link TableOutputs#find}) and their classes are not on this profile's class path.
 */
class LambdaApiZipClassesTest {
  @Test
  void noTableOutputsNorTheirClients() {
    assertThat(ServiceLoader.load(TableOutputs.Provider.class).stream()).isEmpty();
    for (String name : new String[] {"software.amazon.awssdk.services.glue.GlueClient",
        "com.google.cloud.bigquery.BigQuery", "com.google.cloud.bigquery.storage.v1.BigQueryWriteClient",
        "dev.pier.batch.tables.CatalogTableOutputs", "org.apache.iceberg.Table",
        "org.apache.iceberg.aws.glue.GlueCatalog"}) {
      assertThatThrownBy(() -> Class.forName(name)).as(name).isInstanceOf(ClassNotFoundException.class);
    }
  }
}
