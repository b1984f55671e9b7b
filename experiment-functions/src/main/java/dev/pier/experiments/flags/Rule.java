package dev.pier.experiments.flags;

import java.util.List;

/** A targeting rule: when every condition holds, serve this. Rules are tried in order; the first match wins. */
public record Rule(List<Condition> conditions, Serve serve) {}
