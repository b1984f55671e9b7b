package dev.pier.features;

/** One feature of a view: its name and value type. */
public record Field(String name, Dtype dtype) {}
