/**
 * The CDK app that deploys Pier: {@link dev.pier.infra.PierApp} builds {@link dev.pier.infra.PierStacks} (data, api,
 * workers, orchestration, endpoints, observability) from a {@link dev.pier.infra.PierConfig}.
 */
package dev.pier.infra;
