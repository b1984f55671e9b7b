package dev.pier.api.registry;

import dev.pier.batch.BatchJobs;
import dev.pier.runtime.ModelCache;
import dev.pier.api.platform.S3Sources;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.aws.S3SourcePolicy;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.engine.Framework;
import dev.pier.registry.api.ServingChecks;
import dev.pier.registry.api.UploadDirectory;
import dev.pier.registry.api.VersionJobs;
import dev.pier.runtime.pipeline.FeaturePipeline;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;

/**
 * What the registry's REST resources ({@code dev.pier.registry.api}, {@code dev.pier.registry.mlflow}) are given by
 * this app beyond the registry and its stores ({@link dev.pier.api.platform.CoreWiring}, {@link RegistryWiring}): the
 * S3 locations callers may name, the serving side's answers to registration's questions (engines, pipelines), the
 * batch jobs behind lineage and the upload directory. The registry depends on none of this app's classes; this is the
 * one place they meet.
 */
@ApplicationScoped
public class RegistryProducers {

  @Produces
  @Singleton
  S3SourcePolicy sources(S3Sources sources) {
    return sources.policy();
  }

  @Produces
  @Singleton
  UploadDirectory uploads(ArtifactSweeper sweeper) {
    return new UploadDirectory() {
      @Override
      public java.nio.file.Path path() {
        return sweeper.uploads();
      }

      @Override
      public InFlight begin() {
        return sweeper.begin();
      }
    };
  }

  /** Registration's checks answered by this build's engines (the model cache) and the runtime's pipeline parser. */
  @Produces
  @Singleton
  ServingChecks servingChecks(ModelCache models) {
    return new ServingChecks() {
      @Override
      public Signature check(Framework framework, Path artifact, Signature declared) {
        return models.check(framework, artifact, declared);
      }

      @Override
      public boolean serves(Framework framework) {
        return models.engineFor(framework).isPresent();
      }

      @Override
      public void checkPipeline(JsonNode spec, String where) {
        FeaturePipeline.parse(spec, where);
      }
    };
  }

  /**
   * Lineage's downstream experiments: the model's experiments (every state, newest first) with an arm serving the
   * version, from the experiments domain.
   */
  @Produces
  @Singleton
  dev.pier.registry.api.VersionExperiments versionExperiments(dev.pier.experiments.Experiments experiments) {
    return (model, version) -> {
      java.util.List<dev.pier.registry.api.VersionExperiments.Experiment> out = new java.util.ArrayList<>();
      for (dev.pier.experiments.Experiment e : experiments.list(model, null, null)) {
        for (dev.pier.experiments.Arm arm : e.definition().arms()) {
          if (arm.version() != null && arm.version() == version) {
            out.add(new dev.pier.registry.api.VersionExperiments.Experiment(e.id(), e.definition().name(), arm.name(),
                e.state().name().toLowerCase(java.util.Locale.ROOT), text(e.startedAt()), text(e.stoppedAt())));
          }
        }
      }
      return out;
    };
  }

  private static String text(java.time.Instant t) {
    return t == null ? null : t.toString();
  }

  /** Lineage's downstream batch jobs, from the batch domain's job table. */
  @Produces
  @Singleton
  VersionJobs versionJobs(BatchJobs jobs) {
    return (model, version) -> jobs.list(model, null).stream().filter(j -> j.version() == version)
        .map(j -> new VersionJobs.Job(j.id(), j.state().name())).toList();
  }
}
