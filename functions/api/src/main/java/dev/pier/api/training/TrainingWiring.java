package dev.pier.api.training;

import dev.pier.api.PierConfig;
import dev.pier.api.platform.Platform;
import dev.pier.api.platform.S3Sources;
import dev.pier.training.datasets.DatasetFiles;
import dev.pier.training.datasets.Datasets;
import dev.pier.training.datasets.DatasetsTable;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Builds training's services (module functions/training-jobs, whose REST resources the api serves) on this
 * platform's SDK clients. Its records live in the jobs table, next to batch jobs. Wiring only.
 */
@Singleton
public class TrainingWiring {
  @Produces
  @Singleton
  Datasets datasets(Platform platform, PierConfig config, S3Sources sources) {
    Path cache = platform.standIns() != null ? Path.of(config.dataDir(), "training-data")
        : Path.of(System.getProperty("java.io.tmpdir"), "pier-training-data");
    var aws = platform.aws();
    if (platform.standIns() != null) {
      dev.pier.batch.JobsTable.createIfMissing(aws.dynamoDb(), config.batch().jobsTable());
    }
    return new Datasets(new DatasetsTable(aws.dynamoDb(), config.batch().jobsTable()), aws.s3(),
        new DatasetFiles(aws.s3(), cache), sources.policy(), Clock.systemUTC());
  }
}
