package dev.pier.training.datasets;

/** One S3 object of a dataset as its manifest records it. */
public record DatasetObject(String key, long size, String etag) {}
