package dev.pier.statemachines;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The task handlers of the cross-check definitions, the same as src/test/node/crosscheck.mjs defines in JavaScript. */
final class TestTasks {
  static final String PREFIX = "arn:aws:lambda:us-east-1:123456789012:function:";

  private TestTasks() {}

  static LocalStateMachineRunner.Builder runner() {
    Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    return LocalStateMachineRunner.builder()
        .sleeper((d, e) -> { })
        .task(PREFIX + "double", (in, ctx) -> ((ObjectNode) in.deepCopy()).put("value", in.get("value").asLong() * 2))
        .task(PREFIX + "echo", (in, ctx) -> in)
        .task(PREFIX + "flaky", (in, ctx) -> {
          int n = calls.computeIfAbsent(ctx.stateName(), k -> new AtomicInteger()).incrementAndGet();
          if (n <= in.get("fail_times").asInt()) {
            throw new StatesError("Pier.Transient", "not yet");
          }
          return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("attempts", n);
        })
        .task(PREFIX + "boom", (in, ctx) -> {
          throw new StatesError(in.path("error").asText("Pier.Boom"), "boom");
        });
  }
}
