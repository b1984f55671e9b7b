package dev.pier.training.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.experiments.DefinitionParser;
import dev.pier.experiments.Experiment;
import dev.pier.experiments.Experiments;
import java.util.Locale;
import java.util.Optional;

/** The experiment step over Pier's experiments: the same validation, creation and start as the API's routes. */
public final class ExperimentsStarter implements ExperimentStarter {
  private final Experiments experiments;

  public ExperimentsStarter(Experiments experiments) {
    this.experiments = experiments;
  }

  @Override
  public void check(JsonNode definition) {
    DefinitionParser.parse(definition);
  }

  @Override
  public Optional<Started> find(String model, String marker) {
    return experiments.list(model, null, marker).stream()
        .filter(e -> e.definition().hypothesis() != null && e.definition().hypothesis().contains(marker))
        .reduce((newer, older) -> older) // newest first: the first one made
        .map(ExperimentsStarter::started);
  }

  @Override
  public Started create(JsonNode definition) {
    return started(experiments.create(definition));
  }

  @Override
  public Started start(String id) {
    return started(experiments.start(id));
  }

  private static Started started(Experiment e) {
    return new Started(e.id(), e.state().name().toLowerCase(Locale.ROOT));
  }
}
