package dev.pier.experiments.flags;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * One entry of a flag's audit history: who ({@code actor}: a caller's principal, {@code experiment:<id>} for an
 * experiment's automatic decision) changed the flag to {@code revision}, when, how ({@code action}: {@code flag.updated},
 * {@code default.set}), the default it served before and after ({@code from}, {@code to}: {@code variant:<name>} or
 * {@code rollout}), and why ({@code reason}, may be null).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record FlagChange(String key, long revision, String at, String actor, String action, String from, String to,
                         String reason) {}
