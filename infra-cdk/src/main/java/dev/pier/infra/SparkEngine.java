package dev.pier.infra;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.services.emrserverless.CfnApplication;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.constructs.Construct;

/**
 * Batch jobs of engine {@code spark}: an EMR Serverless Spark application and the job role its runs assume. Built
 * only with the context flag {@code sparkEngine=true}, since the connector's jar must be uploaded first (to
 * {@code s3://<artifacts bucket>/spark/pier-spark.jar}). The application has no pre-initialized capacity and stops
 * after 15 idle minutes, so it costs nothing while no job runs; its maximum capacity caps what one burst can cost.
 *
 * <p>The job role is least privilege: read the artifacts (content-addressed) and the connector jar, read the registry,
 * read and update the jobs table, read any object of the batch bucket (a job's input) and write under
 * {@code outputs/} and {@code tables/} (results, errors, logs, Glue tables' files), and the Glue catalog operations a
 * {@code glue://} output needs.
 */
final class SparkEngine extends Construct {
  /** Where the connector's jar is uploaded, in the artifacts bucket. */
  static final String CONNECTOR_KEY = "spark/pier-spark.jar";
  /**
   * Where jobs with a {@code bigquery://} output read Google's credentials: a service account key or a workload
   * identity federation configuration (JSON), uploaded by the operator; a job without it fails naming it.
   */
  static final String BIGQUERY_CREDENTIALS_KEY = "spark/bigquery-credentials.json";
  /** The release the application runs: Spark 3.5. */
  static final String RELEASE = "emr-7.9.0";

  private final CfnApplication application;
  private final Role jobRole;
  private final DataStack data;

  SparkEngine(Construct scope, String id, PierConfig config, DataStack data) {
    super(scope, id);
    this.data = data;
    application = CfnApplication.Builder.create(this, "Application")
        .name(config.prefix() + "-spark")
        .type("SPARK")
        .releaseLabel(RELEASE)
        .autoStartConfiguration(CfnApplication.AutoStartConfigurationProperty.builder().enabled(true).build())
        .autoStopConfiguration(CfnApplication.AutoStopConfigurationProperty.builder().enabled(true)
            .idleTimeoutMinutes(15).build())
        .maximumCapacity(CfnApplication.MaximumAllowedResourcesProperty.builder().cpu("64 vCPU").memory("256 GB")
            .build())
        .build();
    jobRole = Role.Builder.create(this, "JobRole")
        .assumedBy(new ServicePrincipal("emr-serverless.amazonaws.com"))
        .description("Pier's Spark batch jobs on EMR Serverless")
        .build();
    String glue = "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:";
    List.of(
        PolicyStatement.Builder.create().sid("ReadArtifactsAndConnector")
            .actions(List.of("s3:GetObject"))
            .resources(List.of(data.artifacts().arnForObjects(DataStack.ARTIFACTS_PREFIX + "*"),
                data.artifacts().arnForObjects(CONNECTOR_KEY),
                data.artifacts().arnForObjects(BIGQUERY_CREDENTIALS_KEY)))
            .build(),
        PolicyStatement.Builder.create().sid("ReadRegistry")
            .actions(List.of("dynamodb:GetItem", "dynamodb:Query"))
            .resources(List.of(data.registryTable().getTableArn(), data.registryTable().getTableArn() + "/index/*"))
            .build(),
        PolicyStatement.Builder.create().sid("RecordJobProgress")
            .actions(List.of("dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:PutItem",
                "dynamodb:ConditionCheckItem"))
            .resources(List.of(data.jobsTable().getTableArn()))
            .build(),
        PolicyStatement.Builder.create().sid("ReadBatchInputs")
            .actions(List.of("s3:GetObject", "s3:ListBucket"))
            .resources(List.of(data.batch().getBucketArn(), data.batch().arnForObjects("*")))
            .build(),
        PolicyStatement.Builder.create().sid("WriteBatchOutputs")
            .actions(List.of("s3:PutObject", "s3:DeleteObject"))
            .resources(List.of(data.batch().arnForObjects(DataStack.BATCH_OUTPUTS_PREFIX + "*"),
                data.batch().arnForObjects("tables/*")))
            .build(),
        PolicyStatement.Builder.create().sid("DecryptAndEncryptData")
            .actions(List.of("kms:Decrypt", "kms:GenerateDataKey"))
            .resources(List.of(data.key().getKeyArn(), data.artifactsKey().getKeyArn(),
                data.outputsKey().getKeyArn()))
            .build(),
        PolicyStatement.Builder.create().sid("GlueTables")
            .actions(List.of("glue:GetTable", "glue:CreateTable", "glue:UpdateTable", "glue:CreateDatabase",
                "glue:GetPartitions", "glue:BatchCreatePartition", "glue:BatchDeletePartition",
                "glue:GetDatabase")) // GetDatabase: Iceberg's GlueCatalog, for "table_format": "iceberg"
            .resources(List.of(Fn.sub(glue + "catalog"), Fn.sub(glue + "database/*"), Fn.sub(glue + "table/*/*")))
            .build())
        .forEach(jobRole::addToPolicy);
    Nag.suppress(jobRole, "AwsSolutions-IAM5",
        "A Spark job reads its input, any object of the batch bucket, and writes its results, errors and logs under "
            + "outputs/<job>/ and a glue:// table's files under tables/<database>/<table>/, named at run time; it reads "
            + "content-addressed artifacts under artifacts/sha256/; the registry's indexes are read by name; Glue "
            + "databases and tables are named by the job's output (glue://database.table).",
        "/^Resource::.*\\/artifacts\\/sha256\\/\\*$/", "/^Resource::.*BatchBucket.*\\/\\*$/",
        "/^Resource::.*\\/outputs\\/\\*$/", "/^Resource::.*\\/tables\\/\\*$/", "/^Resource::.*\\/index\\/\\*$/",
        "/^Resource::arn:.*:glue:.*$/");
  }

  /** What the control plane reads to start runs: {@code pier.batch.spark.*}. */
  Map<String, String> environment() {
    return Map.of("PIER_BATCH_SPARK_APPLICATION_ID", application.getAttrApplicationId(),
        "PIER_BATCH_SPARK_JOB_ROLE_ARN", jobRole.getRoleArn(),
        "PIER_BATCH_SPARK_CONNECTOR_JAR", "s3://" + data.artifacts().getBucketName() + "/" + CONNECTOR_KEY,
        "PIER_BATCH_SPARK_BIGQUERY_CREDENTIALS",
        "s3://" + data.artifacts().getBucketName() + "/" + BIGQUERY_CREDENTIALS_KEY);
  }

  /** The control plane's rights: start, watch and cancel the application's runs, passing the job role to them. */
  List<PolicyStatement> submitPermissions() {
    return List.of(
        PolicyStatement.Builder.create().sid("RunSparkJobs")
            .actions(List.of("emr-serverless:StartJobRun", "emr-serverless:GetJobRun",
                "emr-serverless:CancelJobRun", "emr-serverless:ListJobRuns", "emr-serverless:TagResource"))
            .resources(List.of(application.getAttrArn(), application.getAttrArn() + "/jobruns/*"))
            .build(),
        PolicyStatement.Builder.create().sid("PassSparkJobRole")
            .actions(List.of("iam:PassRole"))
            .resources(List.of(jobRole.getRoleArn()))
            .conditions(Map.of("StringEquals", Map.of("iam:PassedToService", "emr-serverless.amazonaws.com")))
            .build());
  }

  CfnApplication application() {
    return application;
  }

  Role jobRole() {
    return jobRole;
  }
}
