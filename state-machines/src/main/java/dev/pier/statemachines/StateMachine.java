package dev.pier.statemachines;

import java.util.Map;

/** A parsed set of states with its start: a whole definition, a Parallel branch or a Map's item processor. */
record StateMachine(String startAt, Map<String, State> states) {}
