package dev.pier.statemachines;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One state of a state machine, as {@link StateMachineParser} reads it once from the definition: the runner switches
 * over these records exhaustively and never looks at the JSON again. Fields mirror the ASL field names; a
 * {@code next} of {@code null} means {@code "End": true}.
 */
sealed interface State {
  /** The state's name, unique within its machine (or branch, or item processor). */
  String name();

  /**
   * InputPath, ResultPath and OutputPath. Absent fields are {@code $} (which is what ASL defines them as); a JSON
   * {@code null} is a Java {@code null}: discard the input (InputPath, OutputPath give {@code {}}) or the result
   * (ResultPath keeps the input).
   */
  record Io(String inputPath, String resultPath, String outputPath) {
    static final Io DEFAULT = new Io("$", "$", "$");
  }

  /** A number given literally or read from the input ({@code MaxConcurrency} / {@code MaxConcurrencyPath}). */
  record Amount(JsonNode literal, String path, double otherwise) {
    int asInt(JsonNode input, JsonNode context) {
      return path != null ? JsonPath.read(path, input, context).asInt() : literal.asInt((int) otherwise);
    }

    double asDouble(JsonNode input, JsonNode context) {
      return path != null ? JsonPath.read(path, input, context).asDouble() : literal.asDouble(otherwise);
    }
  }

  /** A Retrier: the first whose {@code ErrorEquals} matches decides whether and when a failed attempt is retried. */
  record Retrier(List<String> errorEquals, double intervalSeconds, int maxAttempts, double backoffRate,
      Double maxDelaySeconds, boolean fullJitter) {}

  /** A Catcher: where an error that no Retrier retried goes, and where its {@code Error}/{@code Cause} lands. */
  record Catcher(List<String> errorEquals, String resultPath, String next) {}

  /** The states that do work and so take Retry, Catch and ResultSelector: Task, Parallel and Map. */
  sealed interface Worker extends State {
    Io io();

    JsonNode resultSelector();

    List<Retrier> retry();

    List<Catcher> catches();

    String next();
  }

  record Pass(String name, Io io, JsonNode parameters, JsonNode result, String next) implements State {}

  record Task(String name, Io io, String resource, JsonNode parameters, Long timeoutSeconds, JsonNode resultSelector,
      List<Retrier> retry, List<Catcher> catches, String next) implements Worker {}

  record Choice(String name, Io io, List<Branch> choices, String defaultNext) implements State {
    /** A top-level Choice Rule and the state it leads to. */
    record Branch(ChoiceRule rule, String next) {}
  }

  record Wait(String name, Io io, Until until, String next) implements State {
    /** The one of Seconds, SecondsPath, Timestamp and TimestampPath a Wait state names. */
    sealed interface Until {}

    record Seconds(long seconds) implements Until {}

    record SecondsPath(String path) implements Until {}

    record Timestamp(String timestamp) implements Until {}

    record TimestampPath(String path) implements Until {}
  }

  record Succeed(String name, Io io) implements State {}

  /** Fail: {@code errorPath}/{@code causePath} (read from the state's raw input) win over the literal values. */
  record Fail(String name, String error, String errorPath, String cause, String causePath) implements State {}

  record Parallel(String name, Io io, JsonNode parameters, List<StateMachine> branches, JsonNode resultSelector,
      List<Retrier> retry, List<Catcher> catches, String next) implements Worker {}

  /**
   * Map, inline or distributed. {@code itemSelector} is ItemSelector (or the older Parameters), {@code batcher} and
   * {@code resultWriter} are null when the state has none; tolerated failures only apply to distributed Maps.
   */
  record MapState(String name, Io io, Items items, JsonNode itemSelector, Batcher batcher, Amount maxConcurrency,
      StateMachine processor, boolean distributed, Amount toleratedFailurePercentage, Amount toleratedFailureCount,
      JsonNode resultWriter, JsonNode resultSelector, List<Retrier> retry, List<Catcher> catches, String next)
      implements Worker {

    /** Where a Map's items come from: an array in its input, or an S3 object or listing. */
    sealed interface Items {}

    record ItemsPath(String path) implements Items {}

    record ItemReader(Source source, JsonNode parameters, ReaderConfig config) implements Items {}

    /** The S3 APIs an ItemReader may name as its Resource. */
    enum Source {
      LIST_OBJECTS_V2("arn:aws:states:::s3:listObjectsV2"),
      GET_OBJECT("arn:aws:states:::s3:getObject");

      final String arn;

      Source(String arn) {
        this.arn = arn;
      }
    }

    /** ReaderConfig: the object's format, its CSV headers ({@code null}: the first row) and MaxItems (0: all). */
    record ReaderConfig(InputType inputType, List<String> csvHeaders, Amount maxItems) {}

    /** ReaderConfig.InputType of an {@code s3:getObject} ItemReader. */
    enum InputType { JSON, JSONL, CSV }

    /** ItemBatcher: items grouped by count and size, each batch with the same BatchInput. */
    record Batcher(Amount maxItemsPerBatch, Amount maxInputBytesPerBatch, JsonNode batchInput) {}
  }
}
