package dev.pier.api.training;

import dev.pier.api.PierConfig;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.local.LocalStandIns;
import dev.pier.api.platform.S3Sources;
import dev.pier.training.datasets.DatasetFiles;
import dev.pier.training.datasets.Datasets;
import dev.pier.training.datasets.DatasetsTable;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/**
 * Builds training's services (module functions/training-jobs, whose REST resources the api serves) on this
 * platform's SDK clients. Its records live in the jobs table, next to batch jobs. Wiring only.
 */
@Singleton
public class TrainingWiring {
  @Produces
  @Singleton
  Datasets datasets(AwsClients aws, Optional<LocalStandIns> standIns, PierConfig config, S3Sources sources) {
    Path cache = standIns.isPresent() ? Path.of(config.dataDir(), "training-data")
        : Path.of(System.getProperty("java.io.tmpdir"), "pier-training-data");
    if (standIns.isPresent()) {
      dev.pier.batch.JobsTable.createIfMissing(aws.dynamoDb(), config.batch().jobsTable());
    }
    return new Datasets(new DatasetsTable(aws.dynamoDb(), config.batch().jobsTable()), aws.s3(),
        new DatasetFiles(aws.s3(), cache), sources.policy(), Clock.systemUTC());
  }
}
