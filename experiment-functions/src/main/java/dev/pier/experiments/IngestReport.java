package dev.pier.experiments;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * What an exposures or events request did: how many items were accepted, and into which experiments. Events of units
 * not yet exposed are kept but not counted; results report them as {@code held_before_exposure}.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record IngestReport(int accepted, List<String> experiments) {}
