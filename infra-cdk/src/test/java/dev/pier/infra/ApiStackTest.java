package dev.pier.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class ApiStackTest {
  private final Template dev = Deployments.dev().template(Deployments.dev().stacks().api());
  private final Template prod = Deployments.prod().template(Deployments.prod().stacks().api());

  @Test
  void deploysTheLambdaZipAsDataPlaneAndControlPlaneFunctions() {
    dev.resourcePropertiesCountIs("AWS::Lambda::Function", Map.of(
        "Handler", ApiFunction.HANDLER,
        "Runtime", "java25",
        "TracingConfig", Map.of("Mode", "Active"),
        "Environment", Map.of("Variables", Match.objectLike(Map.of(
            "PIER_REGISTRY_TABLE", Match.anyValue(),
            "PIER_REGISTRY_ARTIFACTS_BUCKET", Match.anyValue(),
            "PIER_MODELS_CACHE_BYTES", Match.anyValue())))), 2);
    dev.hasResourceProperties("AWS::Lambda::Function", Map.of(
        "Description", Match.stringLikeRegexp("data plane.*"), "MemorySize", 2048));
    dev.hasResourceProperties("AWS::Lambda::Function", Map.of(
        "Description", Match.stringLikeRegexp("control plane.*"), "MemorySize", 1024));
  }

  @Test
  void snapStartIsOnForPublishedVersionsReachedThroughTheLiveAlias() {
    dev.resourcePropertiesCountIs("AWS::Lambda::Function",
        Map.of("SnapStart", Map.of("ApplyOn", "PublishedVersions")), 2);
    dev.resourceCountIs("AWS::Lambda::Version", 2);
    dev.resourcePropertiesCountIs("AWS::Lambda::Alias", Map.of(
        "Name", ApiFunction.ALIAS,
        "FunctionVersion", Map.of("Fn::GetAtt", List.of(Match.anyValue(), "Version")),
        "ProvisionedConcurrencyConfig", Match.absent()), 2);
    dev.resourceCountIs("AWS::ApplicationAutoScaling::ScalableTarget", 0);
  }

  @Test
  void provisionedConcurrencyContextSwapsSnapStartForAutoscaledWarmInstances() {
    prod.resourcePropertiesCountIs("AWS::Lambda::Function",
        Map.of("Handler", ApiFunction.HANDLER, "SnapStart", Match.absent()), 2);
    prod.resourcePropertiesCountIs("AWS::Lambda::Alias", Map.of(
        "Name", ApiFunction.ALIAS,
        "ProvisionedConcurrencyConfig", Map.of("ProvisionedConcurrentExecutions", 2)), 2);
    prod.resourcePropertiesCountIs("AWS::ApplicationAutoScaling::ScalableTarget", Map.of(
        "ServiceNamespace", "lambda",
        "ScalableDimension", "lambda:function:ProvisionedConcurrency",
        "MinCapacity", 2,
        "MaxCapacity", 20), 2);
    prod.resourcePropertiesCountIs("AWS::ApplicationAutoScaling::ScalingPolicy", Map.of(
        "PolicyType", "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration", Match.objectLike(Map.of(
            "PredefinedMetricSpecification", Map.of(
                "PredefinedMetricType", "LambdaProvisionedConcurrencyUtilization"),
            "TargetValue", ApiFunction.PROVISIONED_UTILIZATION_TARGET))), 2);
    prod.resourcePropertiesCountIs("AWS::Lambda::Function", Map.of("Runtime", "java21"), 2);
  }

  @Test
  void routesSendInferenceToTheDataPlaneAndTheRegistryToTheControlPlane() {
    var routes = Json.properties(dev, "AWS::ApiGatewayV2::Route").values().stream()
        .map(r -> (String) r.get("RouteKey")).sorted().toList();
    assertThat(routes).containsExactly(
        "DELETE /api/2.0/mlflow/{proxy+}", "DELETE /api/v1/{proxy+}", "GET /api/2.0/mlflow/{proxy+}",
        "GET /api/v1/{proxy+}", "GET /v2", "GET /v2/health/live",
        "GET /v2/health/ready", "GET /v2/{proxy+}", "PATCH /api/2.0/mlflow/{proxy+}", "PATCH /api/v1/{proxy+}",
        "POST /api/2.0/mlflow/{proxy+}", "POST /api/v1/{proxy+}", "POST /v2/{proxy+}",
        "PUT /api/v1/{proxy+}");
  }

  @Test
  void everyRouteButHealthNeedsAJwtWithTheRightScope() {
    dev.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", Map.of(
        "AuthorizerType", "JWT",
        "IdentitySource", List.of("$request.header.Authorization"),
        "JwtConfiguration", Map.of(
            "Audience", List.of(Match.anyValue(), Match.anyValue()), // the service client and the console's client
            "Issuer", Match.anyValue())));
    dev.hasResourceProperties("AWS::ApiGatewayV2::Route", Map.of(
        "RouteKey", "POST /v2/{proxy+}", "AuthorizationType", "JWT",
        "AuthorizationScopes", List.of(ApiStack.INFER_SCOPE)));
    dev.hasResourceProperties("AWS::ApiGatewayV2::Route", Map.of(
        "RouteKey", "PUT /api/v1/{proxy+}", "AuthorizationType", "JWT",
        "AuthorizationScopes", List.of(ApiStack.ADMIN_SCOPE)));
    dev.resourcePropertiesCountIs("AWS::ApiGatewayV2::Route", Map.of("AuthorizationType", "NONE"), 2);
    dev.resourcePropertiesCountIs("AWS::ApiGatewayV2::Route", Map.of("AuthorizationType", "JWT"), 12);
    dev.hasResourceProperties("AWS::ApiGatewayV2::Route", Map.of(
        "RouteKey", "POST /api/2.0/mlflow/{proxy+}", "AuthorizationType", "JWT",
        "AuthorizationScopes", List.of(ApiStack.ADMIN_SCOPE)));
    dev.hasResourceProperties("AWS::Cognito::UserPoolClient", Map.of(
        "AllowedOAuthFlows", List.of("client_credentials"), "GenerateSecret", true));
  }

  @Test
  void stageThrottlesRequestsAndWritesAccessLogs() {
    dev.hasResourceProperties("AWS::ApiGatewayV2::Stage", Map.of(
        "StageName", "$default",
        "DefaultRouteSettings", Map.of(
            "ThrottlingRateLimit", 200, "ThrottlingBurstLimit", 400, "DetailedMetricsEnabled", true),
        "AccessLogSettings", Map.of("DestinationArn", Match.anyValue(), "Format", Match.stringLikeRegexp(".*"
            + "\\$context.status.*"))));
  }

  /** Issue 23.11: below the stage's limit, unauthenticated health and the control plane get tighter ones. */
  @Test
  void healthAndControlPlaneRoutesAreThrottledBelowTheStage() {
    var stage = Json.properties(dev, "AWS::ApiGatewayV2::Stage").values().iterator().next();
    @SuppressWarnings("unchecked")
    var settings = (Map<String, Map<String, Object>>) stage.get("RouteSettings");
    assertThat(settings).containsEntry("GET /v2/health/live",
        Map.of("ThrottlingRateLimit", ApiStack.HEALTH_RATE, "ThrottlingBurstLimit", ApiStack.HEALTH_BURST));
    assertThat(settings).containsEntry("GET /v2/health/ready",
        Map.of("ThrottlingRateLimit", ApiStack.HEALTH_RATE, "ThrottlingBurstLimit", ApiStack.HEALTH_BURST));
    for (String key : List.of("POST /api/v1/{proxy+}", "DELETE /api/v1/{proxy+}", "GET /api/2.0/mlflow/{proxy+}")) {
      assertThat(settings).containsEntry(key, Map.of("ThrottlingRateLimit", 50, "ThrottlingBurstLimit", 100));
    }
    assertThat(settings).doesNotContainKey("POST /v2/{proxy+}"); // inference keeps the stage's limit
    dev.hasResource("AWS::ApiGatewayV2::Stage", Map.of("DependsOn", Match.arrayWith(List.of(
        Match.stringLikeRegexp("HttpApi.*health.*")))));
  }

  @Test
  void dataPlaneReadsTheRegistryAndArtifactsWritesAuditSamplesInvokesPierEndpointsAndQueuesAsyncPredictions() {
    assertThat(new java.util.TreeSet<>(Json.allowedActions(dev, "DataPlaneRole"))).containsExactlyInAnyOrder(
        "logs:CreateLogStream", "logs:PutLogEvents", "dynamodb:GetItem", "dynamodb:Query", "s3:GetObject",
        "kms:Decrypt", "kms:DescribeKey", "sagemaker:InvokeEndpoint", "xray:PutTraceSegments",
        "xray:PutTelemetryRecords", "kms:GetPublicKey",
        // audit samples; async predictions: the record, a large request, the queue, the data key through DynamoDB and S3
        "dynamodb:PutItem", "dynamodb:DeleteItem", "s3:PutObject", "s3:DeleteObject", "sqs:SendMessage",
        "kms:Encrypt", "kms:GenerateDataKey",
        // the pipeline's feature lookups: online values of many entity keys per call (FeaturesStack.apiStatements)
        "dynamodb:BatchGetItem",
        // experiments: the exposures it logs are stored with their batch marker in one transaction (ExperimentationTest)
        "dynamodb:ConditionCheckItem");
    dev.hasResourceProperties("AWS::IAM::Policy", Map.of("PolicyDocument", Map.of("Statement", Match.arrayWith(
        List.of(Match.objectLike(Map.of(
            "Action", "sagemaker:InvokeEndpoint",
            "Resource", Map.of("Fn::Sub", Match.stringLikeRegexp(".*:endpoint/pier-dev-\\*")))))))));
  }

  @Test
  void sageMakerEndpointsMayBeInvokedOnlyWithinTheStagesOwnNamePrefix() {
    for (var d : List.of(Deployments.dev(), Deployments.prod())) {
      String stagePrefix = "endpoint/pier-" + d.config().stage() + "-*\"}";
      for (var stack : List.of(d.stacks().api(), d.stacks().workers())) {
        Template t = d.template(stack);
        List<String> invocable = new java.util.ArrayList<>();
        for (String action : List.of("sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointAsync",
            "sagemaker:InvokeEndpointWithResponseStream")) {
          invocable.addAll(Json.resourcesAllowing(t, "", action));
        }
        assertThat(invocable).as("%s in %s", d.config().stage(), stack.getStackName()).isNotEmpty()
            .allSatisfy(r -> assertThat(r).endsWith(stagePrefix));
      }
    }
  }

  @Test
  void theRegistryNamesVersionEndpointsWithinTheStagesPrefix() {
    for (var d : List.of(Deployments.dev(), Deployments.prod())) {
      d.template(d.stacks().api()).resourcePropertiesCountIs("AWS::Lambda::Function", Map.of(
          "Environment", Map.of("Variables", Match.objectLike(Map.of(
              "PIER_REGISTRY_ENDPOINT_PREFIX", "pier-" + d.config().stage())))), 2);
    }
  }

  @Test
  void dataPlaneWritesOnlyTheAsyncTableAndRequestPrefixAndSendsOnlyToTheAsyncQueue() {
    // and the experiments table, for exposures (ExperimentationTest)
    assertThat(Json.resourcesAllowing(dev, "DataPlaneRole", "dynamodb:PutItem")).hasSize(3)
        .filteredOn(r -> !r.contains("ExperimentsTable")).singleElement().asString()
        .contains("AsyncPredictionsTable");
    assertThat(Json.resourcesAllowing(dev, "DataPlaneRole", "dynamodb:DeleteItem"))
        .singleElement().asString().contains("AsyncPredictionsTable");
    assertThat(Json.resourcesAllowing(dev, "DataPlaneRole", "s3:PutObject")).hasSize(2)
        .anySatisfy(r -> assertThat(r).contains("AsyncResultsBucket").endsWith("/async-requests/*\"]]}"))
        .allSatisfy(r -> assertThat(r).containsAnyOf("/async-requests/*", "/audit/samples/*"));
    assertThat(Json.resourcesAllowing(dev, "DataPlaneRole", "sqs:SendMessage"))
        .singleElement().asString().contains("AsyncPredictions").doesNotContain("DeadLetters");
    dev.hasResourceProperties("AWS::IAM::Policy", Map.of("PolicyDocument", Map.of("Statement", Match.arrayWith(
        List.of(Match.objectLike(Map.of(
            "Sid", "AsyncDataKey",
            "Action", List.of("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"),
            "Condition", Map.of("StringEquals", Map.of("kms:ViaService", List.of(
                Map.of("Fn::Sub", "dynamodb.${AWS::Region}.amazonaws.com"),
                Map.of("Fn::Sub", "s3.${AWS::Region}.amazonaws.com")))))))))));
  }

  @Test
  void onlyTheDataPlaneIsToldTheAsyncQueueBothKnowTheAsyncTableAndBucket() {
    Map<String, Object> async = Map.of("PIER_ASYNC_TABLE", Match.anyValue(), "PIER_ASYNC_BUCKET", Match.anyValue());
    dev.hasResourceProperties("AWS::Lambda::Function", Map.of(
        "Description", Match.stringLikeRegexp("data plane.*"),
        "Environment", Map.of("Variables", Match.objectLike(Map.of(
            "PIER_ASYNC_TABLE", Match.anyValue(), "PIER_ASYNC_BUCKET", Match.anyValue(),
            "PIER_ASYNC_QUEUE_URL", Map.of("Fn::ImportValue", Match.stringLikeRegexp(".*AsyncPredictions.*")))))));
    dev.hasResourceProperties("AWS::Lambda::Function", Map.of(
        "Description", Match.stringLikeRegexp("control plane.*"),
        "Environment", Map.of("Variables", Match.objectLike(async))));
    dev.resourcePropertiesCountIs("AWS::Lambda::Function", Map.of(
        "Environment", Map.of("Variables", Match.objectLike(Map.of("PIER_ASYNC_QUEUE_URL", Match.anyValue())))), 1);
  }

  @Test
  void controlPlaneReadsAndErasesAsyncPredictionsButNeverQueuesOrScoresThem() {
    List<String> actions = Json.allowedActions(dev, "ControlPlaneRole");
    assertThat(actions).doesNotContain("sqs:SendMessage", "sqs:ReceiveMessage", "sagemaker:InvokeEndpoint");
    assertThat(Json.resourcesAllowing(dev, "ControlPlaneRole", "dynamodb:Query"))
        .anySatisfy(r -> assertThat(r).contains("AsyncPredictionsTable").endsWith("/index/subject\"]]}"));
    // audit samples, the two async prefixes, the uploads/ staging area of the artifacts bucket, and the feature
    // store's staging bucket (pushes and payloads handed to the feature worker)
    assertThat(Json.resourcesAllowing(dev, "ControlPlaneRole", "s3:DeleteObject")).hasSize(6)
        .filteredOn(r -> r.contains("AsyncResultsBucket")).hasSize(2)
        .allSatisfy(r -> assertThat(r).containsPattern("/async-re"));
  }

  @Test
  void controlPlaneWritesOnlyTheRegistryTableAndArtifactPrefix() {
    List<String> actions = Json.allowedActions(dev, "ControlPlaneRole");
    assertThat(actions).contains("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem",
        "dynamodb:DeleteItem", "s3:PutObject", "s3:ListBucket");
    // Registry items may be deleted (renames, unaliased versions); artifacts, which are content-addressed and may be
    // shared by versions, never are (objects are deleted only under audit samples, the async prefixes and the
    // artifacts bucket's uploads/ staging area).
    // (Batch schedules are deleted as EventBridge Scheduler schedules, see controlPlaneRunsBatchJobsAndSchedules.)
    assertThat(actions).noneMatch(a -> a.contains("*") || (a.contains("Delete") && !a.equals("dynamodb:DeleteItem")
        && !a.equals("s3:DeleteObject") && !a.equals("scheduler:DeleteSchedule")));
    assertThat(Json.resourcesAllowing(dev, "ControlPlaneRole", "s3:DeleteObject"))
        .noneMatch(r -> r.contains("artifacts/"))
        .filteredOn(r -> r.contains("ArtifactsBucket")).singleElement().asString().endsWith("/uploads/*\"]]}");
    var samplesOnly = Map.of("Fn::Join", Match.arrayWith(List.of(
        Match.arrayWith(List.of(Match.stringLikeRegexp(".*/audit/samples/\\*"))))));
    var erase = Match.objectLike(Map.of("Sid", "EraseAuditSamples", "Action", "s3:DeleteObject", "Resource", samplesOnly));
    dev.hasResourceProperties("AWS::IAM::Policy",
        Map.of("PolicyDocument", Map.of("Statement", Match.arrayWith(List.of(erase)))));
    dev.hasResourceProperties("AWS::IAM::Policy", Map.of("PolicyDocument", Map.of("Statement", Match.arrayWith(
        List.of(Match.objectLike(Map.of(
            "Action", "s3:ListBucket",
            "Condition", Map.of("StringLike", Map.of("s3:prefix", DataStack.ARTIFACTS_PREFIX + "*")))))))));
  }

  @Test
  void controlPlaneMayStageBigUploadsUnderUploadsWherePresignedPartsGo() {
    for (String action : List.of("s3:PutObject", "s3:GetObject", "s3:DeleteObject")) {
      assertThat(Json.resourcesAllowing(dev, "ControlPlaneRole", action)).as(action)
          .anySatisfy(r -> assertThat(r).contains("ArtifactsBucket")
              .endsWith("/" + DataStack.ARTIFACT_UPLOADS_PREFIX + "*\"]]}"));
    }
    // and the data plane, which never registers, may not
    assertThat(Json.resourcesAllowing(dev, "DataPlaneRole", "s3:PutObject")).noneMatch(r -> r.contains("uploads/"));
  }

  @Test
  void controlPlaneRunsBatchJobsAndSchedules() {
    dev.hasResourceProperties("AWS::Lambda::Function", Map.of(
        "Description", "Pier control plane (/api/v1 registry, batch jobs)",
        "Environment", Map.of("Variables", Match.objectLike(Map.of(
            "PIER_BATCH_JOBS_TABLE", Match.anyValue(),
            "PIER_BATCH_STATE_MACHINE_ARN", Map.of("Fn::Sub", Match.stringLikeRegexp(
                ".*:stateMachine:pier-dev-batch-scoring")),
            "PIER_BATCH_SCHEDULER_ROLE_ARN", Map.of("Fn::Sub", Match.stringLikeRegexp(
                ".*:role/pier-dev-batch-scheduler")))))));
    assertThat(Json.allowedActions(dev, "ControlPlaneRole")).contains("states:StartExecution", "states:StopExecution",
        "scheduler:CreateSchedule", "scheduler:DeleteSchedule", "iam:PassRole");
    dev.hasResourceProperties("AWS::IAM::Policy", Map.of("PolicyDocument", Map.of("Statement", Match.arrayWith(
        List.of(Match.objectLike(Map.of(
            "Action", "iam:PassRole",
            "Condition", Map.of("StringEquals", Map.of("iam:PassedToService", "scheduler.amazonaws.com")))))))));
  }

  @Test
  void prodUserPoolIsProtectedFromDeletion() {
    prod.hasResourceProperties("AWS::Cognito::UserPool", Map.of(
        "DeletionProtection", "ACTIVE",
        "MfaConfiguration", "ON",
        "Policies", Map.of("PasswordPolicy", Match.objectLike(Map.of("MinimumLength", 14)))));
  }

  @Test
  void servesTheConsoleFromAPrivateBucketBehindCloudFrontSigningInThroughTheApisUserPool() {
    dev.hasResourceProperties("AWS::S3::Bucket", Map.of("PublicAccessBlockConfiguration", Map.of(
        "BlockPublicAcls", true, "BlockPublicPolicy", true, "IgnorePublicAcls", true, "RestrictPublicBuckets", true)));
    dev.hasResourceProperties("Custom::CDKBucketDeployment", Map.of(
        "DistributionPaths", List.of("/console/*"),
        "SourceObjectKeys", List.of(Match.anyValue(), Match.anyValue()))); // the files and config.json
    dev.hasResourceProperties("AWS::CloudFront::Distribution", Map.of("DistributionConfig", Match.objectLike(Map.of(
        "DefaultCacheBehavior", Match.objectLike(Map.of(
            "ViewerProtocolPolicy", "redirect-to-https",
            "FunctionAssociations", List.of(Match.objectLike(Map.of("EventType", "viewer-request"))))),
        "CacheBehaviors", Match.arrayWith(List.of(
            Match.objectLike(Map.of("PathPattern", "/api/*", "ViewerProtocolPolicy", "https-only")),
            Match.objectLike(Map.of("PathPattern", "/v2/*", "ViewerProtocolPolicy", "https-only"))))))));
    dev.hasResourceProperties("AWS::CloudFront::Function", Map.of(
        "FunctionCode", Match.stringLikeRegexp("[\\s\\S]*/console/index\\.html[\\s\\S]*")));
    // a public client (no secret) on the authorization code flow, with the API's scopes; the API's JWT authorizer takes it
    dev.hasResourceProperties("AWS::Cognito::UserPoolClient", Map.of(
        "GenerateSecret", false,
        "AllowedOAuthFlows", List.of("code"),
        "AllowedOAuthScopes", List.of("openid", "email", Match.anyValue(), Match.anyValue()))); // + pier/infer, pier/admin
  }
}
