package dev.pier.sdk;

import java.util.List;

/** Training rows for an {@code entity_source} Parquet file: where they were written ({@code s3://…}) and how many. */
public record HistoricalOutput(String output, long rows, List<String> featureNames) {}
