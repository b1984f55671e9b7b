package dev.pier.infra;

import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Tags;
import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import io.github.cdklabs.cdknag.NagPackProps;

/**
 * The whole platform as one CDK app: one stack per concern, in dependency order. Stacks are named
 * {@code pier-<stage>-<concern>} so dev and prod live side by side in one account.
 */
public record PierStacks(
    DataStack data,
    ApiStack api,
    WorkersStack workers,
    OrchestrationStack orchestration,
    EndpointsStack endpoints,
    ObservabilityStack observability,
    FeaturesStack features,
    MonitoringStack monitoring) {

  /** Adds every stack to {@code app} and checks them all with cdk-nag's AWS Solutions rules at synth. */
  public static PierStacks create(App app, PierConfig config) {
    // S3 delivers access logs by bucket policy, not ACLs, so every bucket can enforce bucket-owner object ownership.
    app.getNode().setContext("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", true);
    // Stacks reference each other through exports (data → workers → api, …); a referenced export cannot be removed while in use.
    app.getNode().setContext("@aws-cdk/core:defaultCrossStackReferences", "strong");
    StackProps props = StackProps.builder()
        .env(config.account() == null && config.region() == null ? null : Environment.builder()
            .account(config.account())
            .region(config.region())
            .build())
        .description("Pier ML platform (" + config.stage() + ")")
        .build();
    String p = config.prefix();
    DataStack data = new DataStack(app, p + "-data", props, config);
    // Workers before api: the api's data plane sends to the async predictions queue that the workers stack owns.
    WorkersStack workers = new WorkersStack(app, p + "-workers", props, config, data);
    ApiStack api = new ApiStack(app, p + "-api", props, config, data, workers);
    OrchestrationStack orchestration = new OrchestrationStack(app, p + "-orchestration", props, config, data, workers);
    EndpointsStack endpoints = new EndpointsStack(app, p + "-endpoints", props, config, data);
    // The async worker takes the asynchronous endpoints' notifications off its queue (workers → endpoints: topic ARNs).
    workers.receiveEndpointNotifications(endpoints.endpoints());
    ObservabilityStack observability = new ObservabilityStack(app, p + "-observability", props, config, api, workers,
        orchestration, endpoints);
    // The feature store: tables by fixed names (the api stack is given them by name), its worker, state machine,
    // schedule and alarms (to observability's topic).
    FeaturesStack features = new FeaturesStack(app, p + "-features", props, config, data,
        observability.alarmTopic());
    // Model monitoring (#15): its table, bucket, worker, scheduled runs and alarms; the api functions serve it.
    MonitoringStack monitoring = new MonitoringStack(app, p + "-monitoring", props, config, data);
    monitoring.serve(api, workers);
    Tags.of(app).add("pier:stage", config.stage().name());
    Aspects.of(app).add(new AwsSolutionsChecks(NagPackProps.builder().verbose(true).build()));
    return new PierStacks(data, api, workers, orchestration, endpoints, observability, features, monitoring);
  }
}
