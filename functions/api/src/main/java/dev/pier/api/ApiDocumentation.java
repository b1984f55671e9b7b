package dev.pier.api;

import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The OpenAPI document's domains: every resource class names one of these tags, and every operation has its own
 * summary ({@code @Operation}); nothing is derived from class or method names
 * ({@code quarkus.smallrye-openapi.auto-add-*=false}), so {@code OpenApiDocumentTest} fails naming a route added
 * without them. Title, version and description come from {@code application.properties}.
 */
@OpenAPIDefinition(info = @Info(title = "Pier", version = "0.1.0"), tags = {
    @Tag(name = "Inference", description = "Open Inference Protocol v2 (KServe/Triton): server and model metadata,"
        + " health, infer (JSON and binary); the repository index; named-feature /predict and /predict-stream"),
    @Tag(name = "Async predictions", description = "Results of inference requests sent with Prefer: respond-async"),
    @Tag(name = "Batch", description = "Batch scoring jobs over S3 files, and their schedules"),
    @Tag(name = "Registry", description = "The model registry: models, versions, aliases and canaries, governance,"
        + " model cards, lineage, search, artifact transfer, webhooks"),
    @Tag(name = "MLflow", description = "MLflow-compatible REST (model registry and tracking), with MLflow's error"
        + " format"),
    @Tag(name = "Features", description = "The feature store: definitions, online and point-in-time retrieval, push,"
        + " materialization, discovery, and Feast's routes"),
    @Tag(name = "Experiments", description = "Online experiments: design, exposures and events, analysis, decisions"),
    @Tag(name = "Flags", description = "Feature flags: targeting, rollouts, evaluation"),
    @Tag(name = "Monitoring", description = "Monitors over captured predictions: drift, data quality, performance"
        + " and bias from ground truth, runs and their reports, alerts, hourly profiles (plain server only)"),
    @Tag(name = "Training", description = "Training: dataset versions, training jobs (tuned, cross-validated,"
        + " tracked in MLflow terms, registered with lineage) and their costs"),
    @Tag(name = "Security", description = "API keys and the audit trail"),
    @Tag(name = "Privacy", description = "Erasure of a data subject's records")})
public final class ApiDocumentation {
  private ApiDocumentation() {}
}
