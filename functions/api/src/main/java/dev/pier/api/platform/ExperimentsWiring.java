package dev.pier.api.platform;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.local.LocalStandIns;
import dev.pier.registry.ModelRegistry;
import java.util.Optional;
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
  Flags flags(AwsClients aws, Optional<LocalStandIns> standIns,
      @ConfigProperty(name = "pier.experiments.table", defaultValue = "pier-experiments") String table) {
    if (standIns.isPresent()) {
      ExperimentsTable.createIfMissing(aws.dynamoDb(), table);
    }
    return new Flags(aws.dynamoDb(), table, Clock.systemUTC());
  }

  @Produces
  @Singleton
  Experiments experiments(AwsClients aws, Optional<LocalStandIns> standIns, ModelRegistry registry,
      @ConfigProperty(name = "pier.experiments.table", defaultValue = "pier-experiments") String table) {
    if (standIns.isPresent()) {
      ExperimentsTable.createIfMissing(aws.dynamoDb(), table);
    }
    return new Experiments(new ExperimentStore(aws.dynamoDb(), table),
        new RegistryCatalog(registry), Clock.systemUTC());
  }

  void onStart(@Observes StartupEvent event, Optional<LocalStandIns> standIns, Experiments experiments,
      @ConfigProperty(name = "pier.experiments.analysis-interval", defaultValue = "5m") Duration interval) {
    if (standIns.isPresent()) {
      analysis = PeriodicSweep.start("experiment analysis", interval, experiments::analyzeRunning);
    }
  }

  void onStop(@Observes ShutdownEvent event) {
    if (analysis != null) {
      analysis.stop();
    }
  }
}
