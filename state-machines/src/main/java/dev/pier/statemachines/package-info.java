/**
 * Amazon States Language definitions (in {@code src/main/resources}, deployed by the CDK app as Step Functions state
 * machines) and {@link dev.pier.statemachines.LocalStateMachineRunner}, which runs the same files in local mode.
 */
package dev.pier.statemachines;
