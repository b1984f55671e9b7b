package dev.pier.experiments.flags;

/** What a flag's variants hold. */
public enum FlagType {
  BOOLEAN, STRING, NUMBER, JSON
}
