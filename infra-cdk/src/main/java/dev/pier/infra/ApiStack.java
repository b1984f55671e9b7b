package dev.pier.infra;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.aws_apigatewayv2_authorizers.HttpUserPoolAuthorizer;
import software.amazon.awscdk.aws_apigatewayv2_integrations.HttpLambdaIntegration;
import software.amazon.awscdk.services.apigateway.AccessLogFormat;
import software.amazon.awscdk.services.apigatewayv2.AddRoutesOptions;
import software.amazon.awscdk.services.apigatewayv2.CfnStage;
import software.amazon.awscdk.services.apigatewayv2.HttpApi;
import software.amazon.awscdk.services.apigatewayv2.HttpMethod;
import software.amazon.awscdk.services.apigatewayv2.HttpNoneAuthorizer;
import software.amazon.awscdk.services.apigatewayv2.HttpRoute;
import software.amazon.awscdk.services.apigatewayv2.HttpStage;
import software.amazon.awscdk.services.apigatewayv2.HttpStageOptions;
import software.amazon.awscdk.services.apigatewayv2.IAccessLogDestination;
import software.amazon.awscdk.services.apigatewayv2.IAccessLogSettings;
import software.amazon.awscdk.services.apigatewayv2.IHttpRouteAuthorizer;
import software.amazon.awscdk.services.apigatewayv2.LogGroupLogDestination;
import software.amazon.awscdk.services.apigatewayv2.ThrottleSettings;
import software.amazon.awscdk.services.cognito.AccountRecovery;
import software.amazon.awscdk.services.cognito.CognitoDomainOptions;
import software.amazon.awscdk.services.cognito.Mfa;
import software.amazon.awscdk.services.cognito.MfaSecondFactor;
import software.amazon.awscdk.services.cognito.OAuthFlows;
import software.amazon.awscdk.services.cognito.OAuthScope;
import software.amazon.awscdk.services.cognito.OAuthSettings;
import software.amazon.awscdk.services.cognito.PasswordPolicy;
import software.amazon.awscdk.services.cognito.ResourceServerScope;
import software.amazon.awscdk.services.cognito.UserPool;
import software.amazon.awscdk.services.cognito.UserPoolClient;
import software.amazon.awscdk.services.cognito.UserPoolClientOptions;
import software.amazon.awscdk.services.cognito.UserPoolDomain;
import software.amazon.awscdk.services.cognito.UserPoolDomainOptions;
import software.amazon.awscdk.services.cognito.UserPoolResourceServer;
import software.amazon.awscdk.services.cognito.UserPoolResourceServerOptions;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * The public face: an API Gateway HTTP API whose routes require a Cognito-issued JWT, throttled at the stage, in
 * front of the api app deployed twice: the data plane ({@code /v2}, read-only on the registry) and the control plane
 * ({@code /api/v1}, the only one that writes). Splitting them keeps inference's role read-only and lets each scale and
 * alarm on its own. The data plane accepts async predictions onto the workers stack's queue; the control plane reads
 * and erases them ({@link AsyncGrants}).
 */
public final class ApiStack extends Stack {
  /** OAuth resource server of the API; scopes are {@code pier/infer} and {@code pier/admin}. */
  public static final String RESOURCE_SERVER = "pier";
  public static final String INFER_SCOPE = RESOURCE_SERVER + "/infer";
  public static final String ADMIN_SCOPE = RESOURCE_SERVER + "/admin";

  private final PierConfig config;
  private final DataStack data;
  private final AsyncGrants async;
  private final ResourceServerScope inferScope =
      ResourceServerScope.Builder.create().scopeName("infer").scopeDescription("call /v2 inference").build();
  private final ResourceServerScope adminScope =
      ResourceServerScope.Builder.create().scopeName("admin").scopeDescription("call the /api/v1 control plane").build();
  private final UserPool userPool;
  private final UserPoolResourceServer resourceServer;
  private final UserPoolClient serviceClient;
  private UserPoolDomain domain;
  /** The console's files behind CloudFront, and its Cognito app client (issue #19). */
  private final ConsoleSite console;
  private final ApiFunction dataPlane;
  private final ApiFunction controlPlane;
  private final HttpApi httpApi;
  private final HttpStage stage;
  /** Every route, by route key ({@code GET /v2/health/live}), for per-route throttling. */
  private final Map<String, HttpRoute> routes = new LinkedHashMap<>();

  public ApiStack(Construct scope, String id, StackProps props, PierConfig config, DataStack data,
      WorkersStack workers) {
    super(scope, id, props);
    this.config = config;
    this.data = data;
    this.async = new AsyncGrants(data, workers.asyncPredictions().queue());
    this.userPool = createUserPool();
    this.resourceServer = createResourceServer();
    this.serviceClient = createServiceClient();
    this.dataPlane = createDataPlane();
    this.controlPlane = createControlPlane();
    this.httpApi = createHttpApi();
    this.stage = createStage();
    this.console = new ConsoleSite(this, "Console", config, httpApi, userPool, domain, List.of(
        OAuthScope.resourceServer(resourceServer, inferScope), OAuthScope.resourceServer(resourceServer, adminScope)));
    createRoutes();
    throttleRoutes();
    createOutputs();
  }

  public HttpApi httpApi() {
    return httpApi;
  }

  public HttpStage stage() {
    return stage;
  }

  public ApiFunction dataPlane() {
    return dataPlane;
  }

  public ApiFunction controlPlane() {
    return controlPlane;
  }

  public UserPool userPool() {
    return userPool;
  }

  private UserPool createUserPool() {
    UserPool pool = UserPool.Builder.create(this, "UserPool")
        .selfSignUpEnabled(false)
        .signInAliases(software.amazon.awscdk.services.cognito.SignInAliases.builder().email(true).build())
        .passwordPolicy(PasswordPolicy.builder()
            .minLength(14)
            .requireDigits(true)
            .requireLowercase(true)
            .requireUppercase(true)
            .requireSymbols(true)
            .tempPasswordValidity(Duration.days(3))
            .build())
        .mfa(Mfa.REQUIRED)
        .mfaSecondFactor(MfaSecondFactor.builder().otp(true).sms(false).build())
        .accountRecovery(AccountRecovery.EMAIL_ONLY)
        .deletionProtection(config.prod())
        .removalPolicy(config.prod() ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY)
        .build();
    Nag.suppress(pool, "AwsSolutions-COG3",
        "Threat protection (advanced security) is billed per monthly active user and does not apply to the "
            + "client-credentials tokens Pier's services use; enable the Plus feature plan for human sign-ins.");
    return pool;
  }

  private UserPoolResourceServer createResourceServer() {
    return userPool.addResourceServer("ResourceServer", UserPoolResourceServerOptions.builder()
        .identifier(RESOURCE_SERVER)
        .scopes(List.of(inferScope, adminScope))
        .build());
  }

  /** A machine client (OAuth client credentials) allowed both scopes; add narrower clients per team as needed. */
  private UserPoolClient createServiceClient() {
    domain = userPool.addDomain("Domain", UserPoolDomainOptions.builder()
        .cognitoDomain(CognitoDomainOptions.builder()
            .domainPrefix("pier-" + config.stage() + "-" + Aws.ACCOUNT_ID)
            .build())
        .build());
    new CfnOutput(this, "TokenUrl", software.amazon.awscdk.CfnOutputProps.builder()
        .value(domain.baseUrl() + "/oauth2/token")
        .description("POST client_credentials here for a JWT")
        .build());
    return userPool.addClient("ServiceClient", UserPoolClientOptions.builder()
        .generateSecret(true)
        .authFlows(software.amazon.awscdk.services.cognito.AuthFlow.builder().build())
        .oAuth(OAuthSettings.builder()
            .flows(OAuthFlows.builder().clientCredentials(true).build())
            .scopes(List.of(
                OAuthScope.resourceServer(resourceServer, inferScope),
                OAuthScope.resourceServer(resourceServer, adminScope)))
            .build())
        .accessTokenValidity(Duration.hours(1))
        .build());
  }

  private ApiFunction createDataPlane() {
    List<PolicyStatement> permissions = new ArrayList<>(scoringPermissions(config, data));
    permissions.addAll(List.of(
        PolicyStatement.Builder.create()
            .sid("CheckApiKeys")
            .actions(List.of("dynamodb:GetItem"))
            .resources(List.of(data.apiKeysTable().getTableArn()))
            .build(),
        PolicyStatement.Builder.create()
            .sid("WriteAuditSamples")
            // Predictions are sampled into the audit trail; the data plane writes samples and nothing else.
            .actions(List.of("s3:PutObject"))
            .resources(List.of(data.audit().arnForObjects(DataStack.AUDIT_SAMPLES_PREFIX + "*")))
            .build(),
        PolicyStatement.Builder.create()
            .sid("EncryptAuditSamples")
            .actions(List.of("kms:GenerateDataKey"))
            .resources(List.of(data.outputsKey().getKeyArn()))
            .build(),
        signingPublicKey(data)));
    permissions.addAll(async.submit());
    permissions.addAll(FeaturesStack.apiStatements(config, false)); // the pipeline's feature lookups
    permissions.addAll(Experimentation.assign(data));
    Map<String, String> extra = new LinkedHashMap<>(async.environment(true));
    extra.putAll(Experimentation.environment(data));
    ApiFunction f = new ApiFunction(this, "DataPlane", config, "data plane (/v2 inference)", config.dataPlaneMemoryMb(),
        environment(extra), permissions);
    suppressScoringFindings(f, "Audit samples are one object each under audit/samples/<subject>/<day>/, named at "
        + "write time. " + AsyncGrants.OBJECTS_REASON, "/^Resource::.*\\/audit\\/samples\\/\\*$/",
        AsyncGrants.OBJECTS_FINDING);
    return f;
  }

  /**
   * What scoring a prediction needs, wherever it runs (the data plane, the async worker): read the registry and
   * artifacts, decrypt them, and call the SageMaker endpoints of endpoint-placed versions.
   */
  static List<PolicyStatement> scoringPermissions(PierConfig config, DataStack data) {
    var table = data.registryTable();
    return List.of(
        PolicyStatement.Builder.create()
            .sid("ReadRegistry")
            .actions(List.of("dynamodb:GetItem", "dynamodb:Query"))
            .resources(List.of(table.getTableArn()))
            .build(),
        PolicyStatement.Builder.create()
            .sid("ReadArtifacts")
            .actions(List.of("s3:GetObject"))
            .resources(List.of(data.artifacts().arnForObjects(DataStack.ARTIFACTS_PREFIX + "*")))
            .build(),
        PolicyStatement.Builder.create()
            .sid("DecryptData")
            .actions(List.of("kms:Decrypt", "kms:DescribeKey"))
            .resources(List.of(data.key().getKeyArn(), data.artifactsKey().getKeyArn()))
            .build(),
        PolicyStatement.Builder.create()
            .sid("InvokeModelEndpoints")
            // Endpoint-placed versions are served by SageMaker endpoints of this stage: named per version
            // (pier-<stage>-<model>-v<n>) or by the endpoints stack (pier-<stage>-<name>). Never another stage's.
            .actions(List.of("sagemaker:InvokeEndpoint"))
            .resources(List.of(stageEndpoints(config)))
            .build());
  }

  /**
   * Every SageMaker endpoint of this stage, and only those: {@code endpoint/pier-<stage>-*} (another stage's, or
   * anything else in the account named {@code pier-*}, stays out of reach).
   */
  static String stageEndpoints(PierConfig config) {
    return Fn.sub("arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:endpoint/" + config.prefix() + "-*");
  }

  /** The IAM5 findings of {@link #scoringPermissions}, with their reason. */
  static void suppressScoringFindings(ApiFunction f, String moreReason, String... moreFindings) {
    List<String> findings = new ArrayList<>(List.of(
        "/^Resource::.*\\/artifacts\\/sha256\\/\\*$/", "/^Resource::arn:.*:endpoint\\/pier-[a-z]+-\\*$/"));
    findings.addAll(List.of(moreFindings));
    Nag.suppress(f.role(), "AwsSolutions-IAM5",
        "Artifacts are content-addressed objects under artifacts/sha256/; the function reads any of them, "
            + "and only them. Model versions placed on endpoints are served by this stage's SageMaker endpoints, "
            + "named pier-<stage>-*, most created per version after this stack is deployed. " + moreReason,
        findings.toArray(String[]::new));
  }

  private ApiFunction createControlPlane() {
    var table = data.registryTable();
    List<PolicyStatement> permissions = new ArrayList<>(List.of(
            PolicyStatement.Builder.create()
                .sid("ReadWriteRegistry")
                // TransactWriteItems is authorized per contained action: Put, Update, Delete and ConditionCheck.
                // Deletes: model renames/deletes and unaliased version deletes (MLflow API, DELETE routes).
                .actions(List.of("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem",
                    "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:BatchGetItem",
                    "dynamodb:BatchWriteItem"))
                .resources(List.of(table.getTableArn(), table.getTableArn() + "/index/gsi1"))
                .build(),
            PolicyStatement.Builder.create()
                .sid("ReadWriteArtifacts")
                .actions(List.of("s3:GetObject", "s3:PutObject"))
                .resources(List.of(data.artifacts().arnForObjects(DataStack.ARTIFACTS_PREFIX + "*")))
                .build(),
            PolicyStatement.Builder.create()
                .sid("StageBigUploads")
                // POST /models/{m}/uploads presigns multipart-upload parts under uploads/<model>/ with this role's
                // credentials (UploadPart is authorized as PutObject); completing the upload reads the object
                // once to check and register it, then deletes it.
                .actions(List.of("s3:PutObject", "s3:GetObject", "s3:DeleteObject"))
                .resources(List.of(data.artifacts().arnForObjects(DataStack.ARTIFACT_UPLOADS_PREFIX + "*")))
                .build(),
            PolicyStatement.Builder.create()
                .sid("SeeMissingArtifactsAs404")
                // Without ListBucket S3 answers HeadObject for a missing key with 403, which the registry
                // cannot tell from a real denial; scoped to the artifacts prefix.
                .effect(Effect.ALLOW)
                .actions(List.of("s3:ListBucket"))
                .resources(List.of(data.artifacts().getBucketArn()))
                .conditions(Map.of("StringLike", Map.of("s3:prefix", DataStack.ARTIFACTS_PREFIX + "*")))
                .build(),
            PolicyStatement.Builder.create()
                .sid("EncryptDecryptData")
                .actions(List.of("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"))
                .resources(List.of(data.key().getKeyArn(), data.artifactsKey().getKeyArn(),
                    data.outputsKey().getKeyArn()))
                .build(),
            PolicyStatement.Builder.create()
                .sid("ManageApiKeys")
                // create (Put), check (Get), revoke (Update), list (Scan): ApiKeys in pier-security
                .actions(List.of("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Scan"))
                .resources(List.of(data.apiKeysTable().getTableArn()))
                .build(),
            PolicyStatement.Builder.create()
                .sid("WriteAndQueryAudit")
                // state changes are written once under Object Lock (PutObjectRetention), queried by listing
                .actions(List.of("s3:PutObject", "s3:PutObjectRetention", "s3:GetObject"))
                .resources(List.of(data.audit().arnForObjects(DataStack.AUDIT_PREFIX + "*")))
                .build(),
            PolicyStatement.Builder.create()
                .sid("EraseAuditSamples")
                // erasure removes a data subject's samples; state changes are never deleted (and are locked)
                .actions(List.of("s3:DeleteObject"))
                .resources(List.of(data.audit().arnForObjects(DataStack.AUDIT_SAMPLES_PREFIX + "*")))
                .build(),
            PolicyStatement.Builder.create()
                .sid("ListAudit")
                .actions(List.of("s3:ListBucket"))
                .resources(List.of(data.audit().getBucketArn()))
                .conditions(Map.of("StringLike", Map.of("s3:prefix", DataStack.AUDIT_PREFIX + "*")))
                .build(),
            signingPublicKey(data)));
    permissions.addAll(async.readAndErase());
    permissions.addAll(batchStatements());
    permissions.addAll(FeaturesStack.apiStatements(config, true)); // the feature store's API
    permissions.addAll(Experimentation.manage(data));
    permissions.add(TrainingResources.apiStatement(config)); // training's routes, forwarded to the training worker
    Map<String, String> extra = new LinkedHashMap<>(async.environment(false));
    extra.putAll(batchEnvironment());
    extra.putAll(Experimentation.environment(data));
    extra.putAll(TrainingResources.apiEnvironment(config));
    // "engine": "spark" jobs on EMR Serverless, with the context flag sparkEngine=true
    SparkEngine spark = "true".equals(String.valueOf(getNode().tryGetContext("sparkEngine")))
        ? new SparkEngine(this, "SparkEngine", config, data) : null;
    if (spark != null) {
      permissions.addAll(spark.submitPermissions());
      extra.putAll(spark.environment());
    }
    ApiFunction f = new ApiFunction(this, "ControlPlane", config, "control plane (/api/v1 registry, batch jobs)",
        config.controlPlaneMemoryMb(), environment(extra), permissions);
    FeaturesStack.grantControlPlane(f.role(), config); // hand-offs to the feature worker, materialization schedules
    if (spark != null) {
      Nag.suppress(f.role(), "AwsSolutions-IAM5", "Spark batch jobs are EMR Serverless job runs of Pier's own "
          + "application, whose ids EMR assigns at run time.", "/^Resource::.*\\/jobruns\\/\\*$/");
    }
    Nag.suppress(f.role(), "AwsSolutions-IAM5",
            "Artifacts are content-addressed objects under artifacts/sha256/; registration writes new ones and "
                + "checks for existing ones, and never deletes them. Big uploads are staged as objects named "
                + "uploads/<model>/<random id> at run time, read back once and deleted after registration; the "
                + "function touches nothing else in the artifacts bucket. Cancelling a batch job stops its "
                + "execution (named after the job) of the batch-scoring state machine; batch schedules are "
                + "EventBridge Scheduler schedules named pier-bs-<id> in the default group. The audit trail is one "
                + "object per entry under audit/, named at write time; only samples (audit/samples/) may be deleted. "
                + "A batch submission reads the metadata of its input, any object of the batch bucket (the objects "
                + "the batch workers read). " + AsyncGrants.OBJECTS_REASON,
            "/^Resource::.*\\/artifacts\\/sha256\\/\\*$/", "/^Resource::.*\\/uploads\\/\\*$/",
            "/^Resource::.*:execution:.*-batch-scoring:\\*$/",
            "/^Resource::.*:schedule\\/default\\/pier-bs-\\*$/", "/^Resource::.*\\/audit\\/\\*$/",
            "/^Resource::.*\\/audit\\/samples\\/\\*$/", "/^Resource::.*BatchBucket.*\\/\\*$/",
            AsyncGrants.OBJECTS_FINDING);
    return f;
  }

  /** Batch jobs and schedules (see {@code dev.pier.api.PierConfig.Batch}): names, not references, of the later stacks. */
  private Map<String, String> batchEnvironment() {
    Map<String, String> env = new LinkedHashMap<>(WorkersStack.batchEnvironment(config, data));
    env.put("PIER_BATCH_SCHEDULER_ROLE_ARN", schedulerRoleArn());
    return env;
  }

  private String schedulerRoleArn() {
    return Fn.sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/" + OrchestrationStack.schedulerRoleName(config));
  }

  /**
   * Submit, list and cancel jobs (the jobs table; start and stop batch-scoring executions) and manage schedules
   * (EventBridge Scheduler schedules that run as the orchestration stack's scheduler role).
   */
  private List<PolicyStatement> batchStatements() {
    var jobs = data.jobsTable();
    String executions = Fn.sub("arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:"
        + config.prefix() + "-" + OrchestrationStack.BATCH_STATE_MACHINE + ":*");
    return List.of(
        PolicyStatement.Builder.create()
            .sid("ReadWriteJobs")
            .actions(List.of("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem",
                "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem"))
            .resources(List.of(jobs.getTableArn(), jobs.getTableArn() + "/index/gsi1"))
            .build(),
        PolicyStatement.Builder.create()
            .sid("CheckBatchInputs")
            // A submission reads its input's metadata (HeadObject is authorized as GetObject), so that a missing or
            // unreadable input is a 400 rather than a job that fails later: the objects the workers read.
            .actions(List.of("s3:GetObject"))
            .resources(List.of(data.batch().arnForObjects("*")))
            .build(),
        PolicyStatement.Builder.create()
            .sid("SeeMissingBatchInputsAs404")
            // Without ListBucket S3 answers HeadObject for a missing key with 403, indistinguishable from a denial.
            .actions(List.of("s3:ListBucket"))
            .resources(List.of(data.batch().getBucketArn()))
            .build(),
        PolicyStatement.Builder.create()
            .sid("StartBatchScoring")
            .actions(List.of("states:StartExecution"))
            .resources(List.of(OrchestrationStack.batchStateMachineArn(config)))
            .build(),
        PolicyStatement.Builder.create()
            .sid("StopBatchScoring")
            .actions(List.of("states:StopExecution"))
            .resources(List.of(executions))
            .build(),
        PolicyStatement.Builder.create()
            .sid("ManageBatchSchedules")
            .actions(List.of("scheduler:CreateSchedule", "scheduler:DeleteSchedule"))
            .resources(List.of(Fn.sub("arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}"
                + ":schedule/default/pier-bs-*")))
            .build(),
        PolicyStatement.Builder.create()
            .sid("PassSchedulerRole")
            .actions(List.of("iam:PassRole"))
            .resources(List.of(schedulerRoleArn()))
            .conditions(Map.of("StringEquals", Map.of("iam:PassedToService", "scheduler.amazonaws.com")))
            .build());
  }

  /** The public half of the artifact-signing key, fetched once at start; verification is local (JCA). */
  static PolicyStatement signingPublicKey(DataStack data) {
    return PolicyStatement.Builder.create()
        .sid("ReadSigningPublicKey")
        .actions(List.of("kms:GetPublicKey"))
        .resources(List.of(data.signingKey().getKeyArn()))
        .build();
  }

  /** Registry, API keys, audit trail, artifact signing and retention (what both functions share), and {@code extra}. */
  private Map<String, String> environment(Map<String, String> extra) {
    PierConfig.Retention r = config.retention();
    Map<String, String> env = new LinkedHashMap<>(Map.ofEntries(
        Map.entry("PIER_REGISTRY_TABLE", data.registryTable().getTableName()),
        Map.entry("PIER_REGISTRY_ARTIFACTS_BUCKET", data.artifacts().getBucketName()),
        // endpoints the registry names for versions fall under the stage's prefix, the only ones its roles may invoke
        Map.entry("PIER_REGISTRY_ENDPOINT_PREFIX", config.prefix()),
        Map.entry("PIER_AUTH_API_KEYS_TABLE", data.apiKeysTable().getTableName()),
        Map.entry("PIER_AUDIT_BUCKET", data.audit().getBucketName()),
        Map.entry("PIER_AUDIT_PREFIX", DataStack.AUDIT_PREFIX),
        Map.entry("PIER_AUDIT_OBJECT_LOCK_DAYS", Integer.toString(r.auditLockDays())),
        Map.entry("PIER_AUDIT_OBJECT_LOCK_MODE", r.auditLockMode().name().toUpperCase(java.util.Locale.ROOT)),
        Map.entry("PIER_RETENTION_AUDIT_SAMPLES", r.auditSamplesDays() + "d"),
        Map.entry("PIER_RETENTION_BATCH_OUTPUTS", r.batchOutputsDays() + "d"),
        Map.entry("PIER_RETENTION_CAPTURES", r.capturesDays() + "d"),
        Map.entry("PIER_RETENTION_ASYNC_RESULTS", r.asyncResultsDays() + "d"),
        Map.entry("PIER_ARTIFACTS_REQUIRE_SIGNATURE", Boolean.toString(config.requireArtifactSignature())),
        Map.entry("PIER_ARTIFACTS_SIGNING_KMS_KEY_ID", data.signingKey().getKeyArn())));
    env.putAll(FeaturesStack.apiEnvironment(config));
    env.putAll(extra);
    return env;
  }

  private HttpApi createHttpApi() {
    return HttpApi.Builder.create(this, "HttpApi")
        .apiName(config.prefix() + "-api")
        .description("Pier: OIP V2 inference (/v2) and the control plane (/api/v1)")
        // Our own $default stage below carries throttling and access logs.
        .createDefaultStage(false)
        .build();
  }

  private HttpStage createStage() {
    LogGroup accessLogs = LogGroup.Builder.create(this, "AccessLogs")
        .retention(config.prod() ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH)
        .removalPolicy(config.prod() ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY)
        .build();
    var destination = new LogGroupLogDestination(accessLogs);
    var format = AccessLogFormat.custom("{\"requestId\":\"$context.requestId\",\"ip\":\"$context.identity.sourceIp\","
        + "\"time\":\"$context.requestTime\",\"method\":\"$context.httpMethod\",\"route\":\"$context.routeKey\","
        + "\"status\":\"$context.status\",\"bytes\":\"$context.responseLength\","
        + "\"latencyMs\":\"$context.responseLatency\",\"integrationMs\":\"$context.integrationLatency\","
        + "\"authError\":\"$context.authorizer.error\",\"integrationError\":\"$context.integrationErrorMessage\"}");
    return httpApi.addStage("Stage", HttpStageOptions.builder()
        .stageName("$default")
        .autoDeploy(true)
        .throttle(ThrottleSettings.builder()
            .rateLimit(config.throttleRatePerSecond())
            .burstLimit(config.throttleBurst())
            .build())
        .detailedMetricsEnabled(true)
        .accessLogSettings(new IAccessLogSettings() {
          @Override
          public IAccessLogDestination getDestination() {
            return destination;
          }

          @Override
          public AccessLogFormat getFormat() {
            return format;
          }
        })
        .build());
  }

  private void createRoutes() {
    var jwt = HttpUserPoolAuthorizer.Builder.create("Jwt", userPool)
        .userPoolClients(List.of(serviceClient, console.client()))
        .build();
    var inference = new HttpLambdaIntegration("DataPlaneIntegration", dataPlane.alias());
    var registry = new HttpLambdaIntegration("ControlPlaneIntegration", controlPlane.alias());

    // Load balancers and uptime probes cannot hold tokens; health answers say nothing about models.
    route("/v2/health/live", List.of(HttpMethod.GET), inference, new HttpNoneAuthorizer(), List.of());
    route("/v2/health/ready", List.of(HttpMethod.GET), inference, new HttpNoneAuthorizer(), List.of());
    route("/v2", List.of(HttpMethod.GET), inference, jwt, List.of(INFER_SCOPE));
    route("/v2/{proxy+}", List.of(HttpMethod.GET, HttpMethod.POST), inference, jwt, List.of(INFER_SCOPE));
    route("/api/v1/{proxy+}", List.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH,
        HttpMethod.DELETE), registry, jwt, List.of(ADMIN_SCOPE));
    // MLflow clients (registry and tracking) talk to the control plane under MLflow's own paths.
    route("/api/2.0/mlflow/{proxy+}", List.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PATCH, HttpMethod.DELETE),
        registry, jwt, List.of(ADMIN_SCOPE));
  }

  private void route(String path, List<HttpMethod> methods, HttpLambdaIntegration integration,
      IHttpRouteAuthorizer authorizer, List<String> scopes) {
    var added = httpApi.addRoutes(AddRoutesOptions.builder()
        .path(path)
        .methods(methods)
        .integration(integration)
        .authorizer(authorizer)
        .authorizationScopes(scopes.isEmpty() ? null : scopes)
        .build());
    for (int i = 0; i < methods.size(); i++) {
      routes.put(methods.get(i).name() + " " + path, added.get(i));
    }
    if (scopes.isEmpty()) {
      added.forEach(r -> Nag.suppress(r, "AwsSolutions-APIG4",
          "Liveness/readiness probes are public by design: they carry no model data and probes hold no tokens."));
    }
  }

  /**
   * Per-route limits under the stage's: the unauthenticated health routes get a small fixed rate (anyone can call
   * them), the control plane a quarter of the stage's (key management, registration and listings are rare; a flood
   * of them is not a workload). An HTTP API throttles per route, not per caller: per-principal quotas need a REST
   * API's usage plans with API Gateway keys, which Pier's Cognito callers do not carry (README, Security).
   */
  private void throttleRoutes() {
    Map<String, Object> settings = new LinkedHashMap<>();
    int controlRate = Math.max(1, config.throttleRatePerSecond() / 4);
    int controlBurst = Math.max(1, config.throttleBurst() / 4);
    routes.forEach((key, route) -> {
      String path = key.substring(key.indexOf(' ') + 1);
      if (path.startsWith("/v2/health/")) {
        settings.put(key, Map.of("ThrottlingRateLimit", HEALTH_RATE, "ThrottlingBurstLimit", HEALTH_BURST));
      } else if (path.startsWith("/api/")) {
        settings.put(key, Map.of("ThrottlingRateLimit", controlRate, "ThrottlingBurstLimit", controlBurst));
      } else {
        return;
      }
      stage.getNode().addDependency(route); // a stage's route settings must name routes that exist
    });
    ((CfnStage) stage.getNode().getDefaultChild()).setRouteSettings(settings);
  }

  /** Requests per second (and burst) on each health route: load balancers and uptime probes, a few per second. */
  static final int HEALTH_RATE = 10;
  static final int HEALTH_BURST = 20;

  private void createOutputs() {
    new CfnOutput(this, "ApiUrl", software.amazon.awscdk.CfnOutputProps.builder()
        .value(stage.getUrl())
        .description("Pier API base URL")
        .build());
    new CfnOutput(this, "UserPoolId", software.amazon.awscdk.CfnOutputProps.builder()
        .value(userPool.getUserPoolId())
        .build());
    new CfnOutput(this, "ServiceClientId", software.amazon.awscdk.CfnOutputProps.builder()
        .value(serviceClient.getUserPoolClientId())
        .description("client_credentials client; read its secret with `aws cognito-idp describe-user-pool-client`")
        .build());
  }
}
