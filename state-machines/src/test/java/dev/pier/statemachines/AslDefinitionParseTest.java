package dev.pier.statemachines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Definitions Step Functions would refuse are refused when loaded, with a message naming the state. */
class AslDefinitionParseTest {

  private static AslDefinition parse(String json) {
    return AslDefinition.parse("bad", json.replace('\'', '"'), Map.of());
  }

  @Test
  void refusesAStateWithAnUnknownTypeNamingTheState() {
    assertThatThrownBy(() -> parse("{'StartAt': 'A', 'States': {'A': {'Type': 'Tusk', 'End': true}}}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bad: state 'A' has unknown Type 'Tusk'");
  }

  @Test
  void refusesANextThatNamesNoState() {
    assertThatThrownBy(() -> parse("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'Next': 'B'}}}"))
        .hasMessage("bad: state 'A' Next names no state: 'B'");
  }

  @Test
  void refusesAStartAtThatNamesNoState() {
    assertThatThrownBy(() -> parse("{'StartAt': 'Z', 'States': {'A': {'Type': 'Succeed'}}}"))
        .hasMessage("bad: StartAt names no state: 'Z'");
  }

  @Test
  void refusesAStateWithNeitherNextNorEnd() {
    assertThatThrownBy(() -> parse("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass'}}}"))
        .hasMessage("bad: state 'A' needs Next or \"End\": true");
  }

  @Test
  void refusesATaskWithoutAResource() {
    assertThatThrownBy(() -> parse("{'StartAt': 'T', 'States': {'T': {'Type': 'Task', 'End': true}}}"))
        .hasMessage("bad: state 'T' is a Task without a Resource");
  }

  @Test
  void refusesAChoiceRuleWithAnUnsupportedOperatorNamingTheStateAndTheRule() {
    assertThatThrownBy(() -> parse("""
        {'StartAt': 'C', 'States': {'C': {'Type': 'Choice', 'Choices': [
          {'Variable': '$.x', 'NumericEquals': 1, 'Next': 'D'},
          {'And': [{'Variable': '$.x', 'IsPresent': true}, {'Variable': '$.y', 'StringLike': 'a*'}], 'Next': 'D'}]},
          'D': {'Type': 'Succeed'}}}"""))
        .hasMessage("bad: state 'C' Choices[1] And[1] has unsupported Choice operator 'StringLike'");
  }

  @Test
  void refusesACatcherWhoseNextNamesNoState() {
    assertThatThrownBy(() -> parse("""
        {'StartAt': 'T', 'States': {'T': {'Type': 'Task', 'Resource': 'local:t', 'End': true,
          'Catch': [{'ErrorEquals': ['States.ALL'], 'Next': 'Recover'}]}}}"""))
        .hasMessage("bad: state 'T' Next names no state: 'Recover'");
  }

  @Test
  void refusesAWaitStateThatNamesTwoDurations() {
    assertThatThrownBy(() -> parse("""
        {'StartAt': 'W', 'States': {'W': {'Type': 'Wait', 'Seconds': 1, 'SecondsPath': '$.s', 'End': true}}}"""))
        .hasMessageStartingWith("bad: state 'W' is a Wait state that needs exactly one of Seconds");
  }

  @Test
  void namesTheEnclosingMapStateOfABadStateInItsItemProcessor() {
    assertThatThrownBy(() -> parse("""
        {'StartAt': 'M', 'States': {'M': {'Type': 'Map', 'End': true, 'ItemProcessor': {'StartAt': 'P',
          'States': {'P': {'Type': 'Pass', 'Next': 'Nowhere'}}}}}}"""))
        .hasMessage("bad: state 'M' > state 'P' Next names no state: 'Nowhere'");
  }

  @Test
  void namesTheBranchOfABadStateInAParallelState() {
    assertThatThrownBy(() -> parse("""
        {'StartAt': 'P', 'States': {'P': {'Type': 'Parallel', 'End': true, 'Branches': [
          {'StartAt': 'A', 'States': {'A': {'Type': 'Succeed'}}},
          {'StartAt': 'B', 'States': {'B': {'Type': 'Fly', 'End': true}}}]}}}"""))
        .hasMessage("bad: state 'P' branch 1 > state 'B' has unknown Type 'Fly'");
  }

  @Test
  void refusesAnItemReaderWithAnUnsupportedInputType() {
    assertThatThrownBy(() -> parse("""
        {'StartAt': 'M', 'States': {'M': {'Type': 'Map', 'End': true,
          'ItemReader': {'Resource': 'arn:aws:states:::s3:getObject', 'ReaderConfig': {'InputType': 'XML'},
            'Parameters': {'Bucket': 'b', 'Key': 'k'}},
          'ItemProcessor': {'StartAt': 'P', 'States': {'P': {'Type': 'Succeed'}}}}}}"""))
        .hasMessage("bad: state 'M' has unsupported ItemReader InputType 'XML'");
  }

  @Test
  void parsesTheBundledBatchScoringDefinition() {
    AslDefinition batch = AslDefinition.bundled(AslDefinition.BATCH_SCORING, Map.of());
    assertThat(batch.machine().states()).containsKey(batch.machine().startAt());
    assertThat(batch.machine().states().get("Route")).isInstanceOf(State.Choice.class);
  }
}
