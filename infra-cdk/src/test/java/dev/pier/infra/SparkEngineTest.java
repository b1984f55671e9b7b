package dev.pier.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/**
 * {@code sparkEngine=true}: the EMR Serverless application (no idle capacity), its job role (least privilege) and the
 * control plane's rights and settings to run jobs on it; without the flag none of it is there.
 */
class SparkEngineTest {
  private static final Deployments.Deployment SPARK = Deployments.synth("spark", Map.of("sparkEngine", "true"));
  private final Template api = SPARK.template(SPARK.stacks().api());

  @Test
  void theApplicationStartsOnDemandAndStopsWhenIdleSoItCostsNothingBetweenJobs() {
    api.resourceCountIs("AWS::EMRServerless::Application", 1);
    api.hasResourceProperties("AWS::EMRServerless::Application", Map.of(
        "Name", "pier-dev-spark", "Type", "SPARK", "ReleaseLabel", SparkEngine.RELEASE,
        "AutoStartConfiguration", Map.of("Enabled", true),
        "AutoStopConfiguration", Map.of("Enabled", true, "IdleTimeoutMinutes", 15),
        "InitialCapacity", Match.absent(),
        "MaximumCapacity", Map.of("Cpu", "64 vCPU", "Memory", "256 GB")));
    Template dev = Deployments.dev().template(Deployments.dev().stacks().api());
    dev.resourceCountIs("AWS::EMRServerless::Application", 0);
  }

  @Test
  void theJobRoleIsAssumedByEmrServerlessAndReachesOnlyPiersBucketsTablesAndGlue() {
    api.hasResourceProperties("AWS::IAM::Role", Map.of("AssumeRolePolicyDocument", Match.objectLike(Map.of(
        "Statement", List.of(Match.objectLike(Map.of("Principal",
            Map.of("Service", "emr-serverless.amazonaws.com"), "Action", "sts:AssumeRole")))))));
    String policy = api.findResources("AWS::IAM::Policy").values().stream()
        .map(Object::toString).filter(p -> p.contains("ReadArtifactsAndConnector")).findFirst().orElseThrow();
    assertThat(policy).contains("RecordJobProgress", "ReadBatchInputs", "WriteBatchOutputs", "GlueTables",
        "artifacts/sha256/*", "spark/pier-spark.jar", "spark/bigquery-credentials.json", "outputs/*", "tables/*",
        "glue:GetDatabase")
        .doesNotContain("Resource=*", "s3:*", "dynamodb:*", "glue:*", "dynamodb:DeleteItem", "glue:DeleteTable");
  }

  @Test
  void theControlPlaneStartsWatchesAndCancelsRunsAndPassesOnlyTheJobRole() {
    api.hasResourceProperties("AWS::Lambda::Function", Map.of(
        "Description", Match.stringLikeRegexp("control plane.*"),
        "Environment", Map.of("Variables", Match.objectLike(Map.of(
            "PIER_BATCH_SPARK_APPLICATION_ID", Match.anyValue(),
            "PIER_BATCH_SPARK_JOB_ROLE_ARN", Match.anyValue(),
            "PIER_BATCH_SPARK_CONNECTOR_JAR", Match.anyValue(),
            "PIER_BATCH_SPARK_BIGQUERY_CREDENTIALS", Match.anyValue())))));
    String policy = api.findResources("AWS::IAM::Policy").values().stream()
        .map(Object::toString).filter(p -> p.contains("RunSparkJobs")).findFirst().orElseThrow();
    assertThat(policy).contains("emr-serverless:StartJobRun", "emr-serverless:GetJobRun",
        "emr-serverless:CancelJobRun", "iam:PassRole", "iam:PassedToService=emr-serverless.amazonaws.com");
    assertThat(Annotations.fromStack(SPARK.stacks().api())
        .findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
  }
}
