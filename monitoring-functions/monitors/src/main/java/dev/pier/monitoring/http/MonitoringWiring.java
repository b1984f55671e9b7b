package dev.pier.monitoring.http;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.S3SourcePolicy;
import dev.pier.monitoring.FeedbackStore;
import dev.pier.monitoring.ModelVersions;
import dev.pier.monitoring.MonitorRunner;
import dev.pier.monitoring.MonitorStore;
import dev.pier.monitoring.MonitoringJson;
import dev.pier.monitoring.Monitors;
import dev.pier.monitoring.ReferenceLoader;
import dev.pier.monitoring.alerts.AlertDelivery;
import dev.pier.monitoring.alerts.AwsAlerts;
import dev.pier.monitoring.alerts.WebhookAlerts;
import dev.pier.monitoring.capture.CaptureListener;
import dev.pier.monitoring.capture.CaptureStore;
import dev.pier.monitoring.profile.ProfileStore;
import dev.pier.monitoring.tasks.LocalMonitorWorkflow;
import dev.pier.monitoring.tasks.MonitorWorker;
import dev.pier.monitoring.tasks.MonitoringTasks;
import dev.pier.monitoring.tasks.RunMetrics;
import dev.pier.statemachines.LocalStateMachineRunner;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.events.WebhookDispatcher;
import dev.pier.registry.events.WebhookStore;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.Shutdown;
import jakarta.enterprise.event.Startup;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Builds the monitoring services the resources of this package use, from what the serving app provides as beans (its
 * AWS clients, model registry, readable S3 locations and webhooks). Served by the plain server only: this module is
 * Java 25, the API Lambda is not (see the README's Monitoring section).
 *
 * <p>Configuration: {@code pier.monitoring.table} (DynamoDB, default {@code pier-monitoring}),
 * {@code pier.monitoring.bucket} (references and runs; default {@code pier-monitoring}), {@code pier.capture.bucket}
 * (the captures the serving app writes, and their hourly profiles next to them; default {@code pier-captures}),
 * {@code pier.monitoring.schedule-interval} (how often due scheduled windows are looked for, default 1m; 0 turns the
 * scheduler off), {@code pier.monitoring.event-bus-name} (alerts also go to this EventBridge bus; unset: not),
 * {@code pier.monitoring.feedback-window} (how long a label no run has joined to its captured prediction is
 * counted as unmatched; default 30d), {@code pier.retention.captures} (how long the profile index keeps an entry
 * after its hour, as long as the captures bucket keeps the objects; default 90d),
 * {@code pier.monitoring.alarm-topic-arn} (when set, each monitor check gets a CloudWatch alarm notifying this SNS
 * topic; unset: none) and {@code pier.monitoring.alarm-prefix} (their names' prefix, default {@code pier-monitor-}).
 * In local mode the table and bucket are created when missing.
 */
@Singleton
public class MonitoringWiring {
  private static final System.Logger LOG = System.getLogger(MonitoringWiring.class.getName());

  @ConfigProperty(name = "pier.mode", defaultValue = "aws") String mode;
  @ConfigProperty(name = "pier.monitoring.table", defaultValue = "pier-monitoring") String table;
  @ConfigProperty(name = "pier.monitoring.bucket", defaultValue = "pier-monitoring") String bucket;
  @ConfigProperty(name = "pier.capture.bucket", defaultValue = "pier-captures") String captureBucket;
  @ConfigProperty(name = "pier.monitoring.schedule-interval", defaultValue = "1m") Duration interval;
  @ConfigProperty(name = "pier.monitoring.event-bus-name") java.util.Optional<String> eventBus;
  @ConfigProperty(name = "pier.monitoring.feedback-window", defaultValue = "30d") Duration feedbackWindow;
  @ConfigProperty(name = "pier.retention.captures", defaultValue = "90d") Duration captureRetention;
  @ConfigProperty(name = "pier.monitoring.alarm-topic-arn") java.util.Optional<String> alarmTopic;
  @ConfigProperty(name = "pier.monitoring.alarm-prefix", defaultValue = "pier-monitor-") String alarmPrefix;
  @ConfigProperty(name = "pier.monitoring.profile-hold", defaultValue = "1m") Duration profileHold;

  private SnsClient sns;
  private EventBridgeClient events;
  private software.amazon.awssdk.services.cloudwatch.CloudWatchClient cloudWatch;

  private ScheduledExecutorService scheduler;

  private CaptureStore captures;

  /**
   * The captures the runs read. Not a bean: the serving app's capture stage has its own writer, and two beans of one
   * type would be ambiguous.
   */
  private synchronized CaptureStore captures(AwsClients aws) {
    if (captures != null) {
      return captures;
    }
    if ("local".equals(mode)) {
      MonitorStore.createTableIfMissing(aws.dynamoDb(), table);
      for (String name : List.of(bucket, captureBucket)) {
        try {
          aws.s3().createBucket(b -> b.bucket(name));
        } catch (BucketAlreadyOwnedByYouException e) {
          // there from an earlier start
        } catch (S3Exception e) {
          if (e.statusCode() != 409) {
            throw e;
          }
        }
      }
    }
    captures = new CaptureStore(aws.s3(), captureBucket);
    return captures;
  }

  /** The feature store's value profiles of materialized features (the plain server's FeatureStoreWiring uses it). */
  @Produces
  @Singleton
  dev.pier.features.FeatureProfiles featureProfiles() {
    return new dev.pier.monitoring.profile.FeatureValueProfiles();
  }

  /** Profiles next to the captures, indexed in the monitoring table; entries expire with the captures. */
  @Produces
  @Singleton
  ProfileStore profileStore(AwsClients aws) {
    captures(aws); // the table, in local mode
    return new ProfileStore(aws.s3(), captureBucket,
        new dev.pier.monitoring.profile.ProfileIndex(aws.dynamoDb(), table, captureRetention));
  }

  /**
   * Profiles each batch the serving app's capture buffer stores, so runs over long windows merge hourly profiles; the
   * profiles are held open and stored every {@code pier.monitoring.profile-hold} (or when the buffer catches up).
   */
  @Produces
  @Singleton
  CaptureListener profiling(ProfileStore profiles) {
    return new dev.pier.monitoring.profile.HeldProfiles(profiles, profileHold);
  }

  @Produces
  @Singleton
  FeedbackStore feedbackStore(AwsClients aws) {
    captures(aws); // the table, in local mode
    return new FeedbackStore(aws.dynamoDb(), table, Clock.systemUTC(), feedbackWindow);
  }

  @Produces
  @Singleton
  ReferenceLoader referenceLoader(AwsClients aws, S3SourcePolicy sources) {
    return new ReferenceLoader(aws.s3(), sources, captures(aws));
  }

  @Produces
  @Singleton
  Monitors monitors(AwsClients aws, ModelRegistry registry, ProfileStore profiles,
      FeedbackStore feedback, ReferenceLoader references, Instance<WebhookStore> webhooks,
      Instance<WebhookDispatcher> dispatcher, Instance<dev.pier.runtime.PredictionService> predictions,
      Instance<dev.pier.runtime.ModelCache> models) {
    sns = aws.client(SnsClient.builder(), null);
    events = eventBus.isPresent() ? aws.client(EventBridgeClient.builder(), null) : null;
    AlertDelivery toAws = new AwsAlerts(sns, events, eventBus.orElse(null), MonitoringJson.MAPPER);
    AlertDelivery delivery = webhooks.isResolvable() && dispatcher.isResolvable()
        ? new WebhookAlerts(webhooks.get(), dispatcher.get(), MonitoringJson.MAPPER, toAws) : toAws;
    Monitors monitors = new Monitors(new MonitorStore(aws.dynamoDb(), table, aws.s3(), bucket),
        ModelVersions.of(registry), captures(aws), profiles, feedback, Clock.systemUTC(), MonitorRunner.EXACT_MAX_ROWS,
        references, delivery);
    if (alarmTopic.isPresent()) { // in AWS: a CloudWatch alarm per monitor check, to the alert topic
      cloudWatch = aws.client(software.amazon.awssdk.services.cloudwatch.CloudWatchClient.builder(), null);
      monitors.alarms(new dev.pier.monitoring.alerts.MonitorAlarms(cloudWatch, alarmPrefix, alarmTopic.get()));
    }
    if (predictions.isResolvable() && models.isResolvable()) { // the serving app: importance from SHAP
      monitors.shapImportance(new dev.pier.monitoring.ModelShap(predictions.get(), models.get()))
          .referencePredictions(new dev.pier.monitoring.ModelPredictions(predictions.get(), models.get()));
    }
    return monitors;
  }

  /**
   * The {@code monitor-runs} state machine's tasks: what the api zip's Lambda entry point hands their payloads to,
   * and what the local workflow's tasks call. Its runs' CloudWatch metrics are EMF lines on stdout, which only Lambda
   * turns into metrics (its log group); elsewhere they are not written.
   */
  @Produces
  @Singleton
  MonitoringTasks monitoringTasks(Monitors monitors) {
    return new MonitorWorker(monitors, new RunMetrics(inLambda() ? System.out::println : line -> { }));
  }

  private static boolean inLambda() {
    return System.getenv("AWS_LAMBDA_FUNCTION_NAME") != null;
  }

  /**
   * Every {@code interval}, one execution of {@code monitor-runs.asl.json} on the local state machine runner: each
   * monitor's due scheduled windows run (idempotent per window). Not in Lambda, where the CDK app's EventBridge rule
   * starts that state machine in Step Functions.
   */
  void start(@Observes Startup event, MonitoringTasks tasks) {
    if (interval.isZero() || interval.isNegative() || inLambda()) {
      return;
    }
    LocalMonitorWorkflow workflow = new LocalMonitorWorkflow(tasks, Clock.systemUTC());
    scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "pier-monitor-schedule");
      t.setDaemon(true);
      return t;
    });
    scheduler.scheduleWithFixedDelay(() -> {
      try {
        LocalStateMachineRunner.ExecutionResult result = workflow.runOnce();
        if (result.status() != LocalStateMachineRunner.ExecutionResult.Status.SUCCEEDED) {
          LOG.log(System.Logger.Level.WARNING, "monitors: scheduled runs " + result.status() + ": " + result.error()
              + " " + result.cause() + "; retried next time");
        } else {
          int made = 0;
          for (var monitor : result.output().path("monitors")) {
            made += monitor.path("runs").size();
            if (monitor.has("error")) {
              LOG.log(System.Logger.Level.WARNING, "monitors: monitor " + monitor.path("monitor_id").asText()
                  + "'s scheduled runs failed, retried next time: " + monitor.get("error"));
            }
          }
          if (made > 0) {
            LOG.log(System.Logger.Level.INFO, "monitors: ran " + made + " scheduled window(s)");
          }
        }
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "monitors: scheduled runs failed, retried next time: " + e);
      }
    }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  void stop(@Observes Shutdown event) {
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
    if (sns != null) {
      sns.close();
    }
    if (events != null) {
      events.close();
    }
    if (cloudWatch != null) {
      cloudWatch.close();
    }
  }
}
