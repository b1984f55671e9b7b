package dev.pier.api.platform;

import dev.pier.api.PeriodicSweep;

import dev.pier.experiments.Experiments;
import dev.pier.experiments.RegistryCatalog;
import dev.pier.experiments.flags.Flags;
import dev.pier.experiments.store.ExperimentStore;
import dev.pier.experiments.store.ExperimentsTable;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Supplies the experiments module's services (its REST resources, {@code dev.pier.experiments.http.ExperimentResource}
 * and {@code FlagResource}, are found through that jar's beans.xml) from the platform's DynamoDB client and registry.
 * Experiments and flags share the table {@code pier.experiments.table}; local mode creates it, and runs the automatic
 * analysis of every running experiment every {@code pier.experiments.analysis-interval} (default 5 minutes; in AWS the
 * analysis state machine's schedule is meant to, and is not built yet).
 */
@Singleton
public class ExperimentsWiring {

  private PeriodicSweep analysis;

  @Produces
  @Singleton
  Flags flags(Platform platform,
      @ConfigProperty(name = "pier.experiments.table", defaultValue = "pier-experiments") String table) {
    if (platform.standIns() != null) {
      ExperimentsTable.createIfMissing(platform.aws().dynamoDb(), table);
    }
    return new Flags(platform.aws().dynamoDb(), table, Clock.systemUTC());
  }

  @Produces
  @Singleton
  Experiments experiments(Platform platform,
      @ConfigProperty(name = "pier.experiments.table", defaultValue = "pier-experiments") String table) {
    if (platform.standIns() != null) {
      ExperimentsTable.createIfMissing(platform.aws().dynamoDb(), table);
    }
    return new Experiments(new ExperimentStore(platform.aws().dynamoDb(), table),
        new RegistryCatalog(platform.registry()), Clock.systemUTC());
  }

  void onStart(@Observes StartupEvent event, Platform platform, Experiments experiments,
      @ConfigProperty(name = "pier.experiments.analysis-interval", defaultValue = "5m") Duration interval) {
    if (platform.standIns() != null) {
      analysis = PeriodicSweep.start("experiment analysis", interval, experiments::analyzeRunning);
    }
  }

  void onStop(@Observes ShutdownEvent event) {
    if (analysis != null) {
      analysis.stop();
    }
  }
}
