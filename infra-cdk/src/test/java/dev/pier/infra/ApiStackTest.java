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
    prod.resourcePropertiesCountIs("AWS::Lambda::Function", Map.of("SnapStart", Match.absent()), 2);
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
            "Audience", List.of(Match.anyValue()),
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

  @Test
  void dataPlaneMayOnlyReadTheRegistryAndArtifactsWriteAuditSamplesAndInvokePierEndpoints() {
    assertThat(Json.allowedActions(dev, "DataPlaneRole")).containsExactlyInAnyOrder(
        "logs:CreateLogStream", "logs:PutLogEvents", "dynamodb:GetItem", "dynamodb:Query", "s3:GetObject",
        "kms:Decrypt", "kms:DescribeKey", "sagemaker:InvokeEndpoint", "xray:PutTraceSegments",
        "xray:PutTelemetryRecords", "dynamodb:GetItem", "s3:PutObject", "kms:GenerateDataKey", "kms:GetPublicKey");
    dev.hasResourceProperties("AWS::IAM::Policy", Map.of("PolicyDocument", Map.of("Statement", Match.arrayWith(
        List.of(Match.objectLike(Map.of(
            "Action", "sagemaker:InvokeEndpoint",
            "Resource", Map.of("Fn::Sub", Match.stringLikeRegexp(".*:endpoint/pier-\\*")))))))));
  }

  @Test
  void controlPlaneWritesOnlyTheRegistryTableAndArtifactPrefix() {
    List<String> actions = Json.allowedActions(dev, "ControlPlaneRole");
    assertThat(actions).contains("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem",
        "dynamodb:DeleteItem", "s3:PutObject", "s3:ListBucket");
    // Registry items may be deleted (renames, unaliased versions); artifacts, which are content-addressed and may be
    // shared by versions, never are; the only S3 deletes are of audit samples (erasure), the only scan lists API keys.
    assertThat(actions).noneMatch(a -> a.contains("*") || (a.contains("Delete") && !a.equals("dynamodb:DeleteItem")
        && !a.equals("s3:DeleteObject")));
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
  void prodUserPoolIsProtectedFromDeletion() {
    prod.hasResourceProperties("AWS::Cognito::UserPool", Map.of(
        "DeletionProtection", "ACTIVE",
        "MfaConfiguration", "ON",
        "Policies", Map.of("PasswordPolicy", Match.objectLike(Map.of("MinimumLength", 14)))));
  }
}
