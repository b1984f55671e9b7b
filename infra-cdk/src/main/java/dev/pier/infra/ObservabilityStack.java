package dev.pier.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.AlarmStatusWidget;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.HorizontalAnnotation;
import software.amazon.awscdk.services.cloudwatch.IAlarm;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.IWidget;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TextWidget;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.amazon.awscdk.services.stepfunctions.StateMachine;
import software.constructs.Construct;

/**
 * What operators look at: one CloudWatch dashboard (latency percentiles and throughput of the API, each function,
 * each model version and each GPU endpoint variant; queues; batch jobs) and the alarms that page them through an
 * SNS topic (subscribe an address with context {@code alarmEmail}).
 */
public final class ObservabilityStack extends Stack {
  /** The namespace of the api app's EMF prediction metrics (dimensions Model, Version). */
  public static final String PIER_NAMESPACE = "Pier";
  /** Share of API requests answered 5xx (percent) that raises the alarm. */
  static final double SERVER_ERROR_PERCENT = 1;
  private static final Duration PERIOD = Duration.minutes(1);
  private static final int WIDTH = 8;

  private final PierConfig config;
  private final ApiStack api;
  private final WorkersStack workers;
  private final OrchestrationStack orchestration;
  private final EndpointsStack endpoints;
  private final Topic alarmTopic;
  private final List<Alarm> alarms = new ArrayList<>();
  private final Dashboard dashboard;

  public ObservabilityStack(Construct scope, String id, StackProps props, PierConfig config, ApiStack api,
      WorkersStack workers, OrchestrationStack orchestration, EndpointsStack endpoints) {
    super(scope, id, props);
    this.config = config;
    this.api = api;
    this.workers = workers;
    this.orchestration = orchestration;
    this.endpoints = endpoints;
    this.alarmTopic = createAlarmTopic();
    createLatencyAlarm();
    createServerErrorAlarm();
    createDeadLetterAlarms();
    createBatchFailureAlarms();
    createEndpointErrorAlarms();
    createGuardrailAlarm();
    this.dashboard = createDashboard();
  }

  public Topic alarmTopic() {
    return alarmTopic;
  }

  public List<Alarm> alarms() {
    return List.copyOf(alarms);
  }

  public Dashboard dashboard() {
    return dashboard;
  }

  private Topic createAlarmTopic() {
    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, so the topic gets its own key
    // that lets CloudWatch use it.
    Key key = Key.Builder.create(this, "AlarmTopicKey")
        .description("Pier " + config.stage() + ": encrypts the alarm topic")
        .enableKeyRotation(true)
        .build();
    key.grant(new ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey");
    Topic topic = Topic.Builder.create(this, "AlarmTopic")
        .displayName("Pier " + config.stage() + " alarms")
        .masterKey(key)
        .enforceSsl(true)
        .build();
    if (config.alarmEmail() != null) {
      topic.addSubscription(new EmailSubscription(config.alarmEmail()));
    }
    return topic;
  }

  /** An alarm when {@code metric} is above {@code threshold} for {@code periods} minutes running. */
  private Alarm alarm(String id, String description, IMetric metric, double threshold, int periods) {
    return alarm(id, description, metric, threshold, periods, ComparisonOperator.GREATER_THAN_THRESHOLD);
  }

  private Alarm alarm(String id, String description, IMetric metric, double threshold, int periods,
      ComparisonOperator comparison) {
    Alarm alarm = Alarm.Builder.create(this, id)
        .alarmName(config.prefix() + "-" + id)
        .alarmDescription(description)
        .metric(metric)
        .threshold(threshold)
        .comparisonOperator(comparison)
        .evaluationPeriods(periods)
        .datapointsToAlarm(periods)
        .treatMissingData(TreatMissingData.NOT_BREACHING)
        .build();
    alarm.addAlarmAction(new SnsAction(alarmTopic));
    alarm.addOkAction(new SnsAction(alarmTopic));
    alarms.add(alarm);
    return alarm;
  }

  /** Inference time inside the data plane (the published version behind the alias), p95 over 5 minutes running. */
  private void createLatencyAlarm() {
    alarm("DataPlaneLatencyP95",
        "p95 inference latency of the data plane has been over " + (int) config.latencyAlarmMillis()
            + " ms for 5 minutes",
        api.dataPlane().alias().metricDuration(stat("p95")), config.latencyAlarmMillis(), 5);
  }

  private void createServerErrorAlarm() {
    MathExpression rate = MathExpression.Builder.create()
        .expression("IF(requests > 0, 100 * errors / requests, 0)")
        .usingMetrics(Map.of(
            "errors", api.httpApi().metricServerError(stat("Sum")),
            "requests", api.httpApi().metricCount(stat("Sum"))))
        .label("5xx %")
        .period(PERIOD)
        .build();
    alarm("Api5xxRate", "over " + SERVER_ERROR_PERCENT + "% of API requests answered 5xx for 3 minutes",
        rate, SERVER_ERROR_PERCENT, 3);
  }

  private void createDeadLetterAlarms() {
    for (WorkersStack.WorkQueue q : workers.queues()) {
      alarm(q.name() + "DeadLetters", "messages from " + q.name() + " failed " + WorkersStack.MAX_RECEIVES
              + " times and wait in its dead-letter queue",
          q.deadLetters().metricApproximateNumberOfMessagesVisible(stat("Maximum")), 1, 1,
          ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);
    }
  }

  private void createBatchFailureAlarms() {
    for (StateMachine machine : orchestration.stateMachines()) {
      String name = machine.getNode().getId();
      alarm(name + "Failures", "executions of " + name + " failed, timed out or aborted",
          MathExpression.Builder.create()
              .expression("failed + timedOut + aborted")
              .usingMetrics(Map.of(
                  "failed", machine.metricFailed(stat("Sum")),
                  "timedOut", machine.metricTimedOut(stat("Sum")),
                  "aborted", machine.metricAborted(stat("Sum"))))
              .label("failed executions")
              .period(PERIOD)
              .build(),
          1, 1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);
    }
  }

  /**
   * An experiment's analysis found a guardrail breached (an arm harming a guardrail metric beyond its allowance): the
   * analysis stops the experiment and returns the alias to control when its policy says {@code stop_on_guardrail}
   * (the default), and this tells a person either way, within one analysis interval.
   */
  private void createGuardrailAlarm() {
    alarm("ExperimentGuardrailBreaches", "an experiment's analysis found a guardrail breached (see the experiment's "
            + "decisions: GET /api/v1/experiments/{id}/decisions)",
        Experimentation.guardrailBreaches(OrchestrationStack.ANALYSIS_INTERVAL), 1, 1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);
  }

  private void createEndpointErrorAlarms() {
    for (GpuEndpoint e : endpoints.endpoints()) {
      IMetric errors = e.async()
          ? e.endpointMetric("AWS/SageMaker", "InvocationFailures", false).with(stat("Sum"))
          : e.endpointMetric("AWS/SageMaker", "Invocation5XXErrors", true).with(stat("Sum"));
      alarm("Endpoint" + capitalize(e.spec().name()) + "Errors",
          "SageMaker endpoint " + e.spec().name() + " failed invocations for 3 minutes", errors, 1, 3,
          ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);
    }
  }

  private Dashboard createDashboard() {
    Dashboard d = Dashboard.Builder.create(this, "Dashboard")
        .dashboardName(config.prefix())
        .defaultInterval(Duration.hours(3))
        .build();
    d.addWidgets(TextWidget.Builder.create()
        .markdown("# Pier " + config.stage() + "\nLatency percentiles, throughput and errors of the API, every "
            + "model version and GPU endpoint, the work queues and batch jobs.")
        .width(24).height(2).build());
    d.addWidgets(
        percentiles("API latency (ms)", p -> api.httpApi().metricLatency(label(p, p)), null),
        graph("API requests and errors", List.of(
            api.httpApi().metricCount(label("Sum", "requests")),
            api.httpApi().metricClientError(label("Sum", "4xx")),
            api.httpApi().metricServerError(label("Sum", "5xx")))),
        graph("Function errors and throttles", List.of(
            api.dataPlane().alias().metricErrors(label("Sum", "data plane errors")),
            api.controlPlane().alias().metricErrors(label("Sum", "control plane errors")),
            api.dataPlane().alias().metricThrottles(label("Sum", "data plane throttles")),
            api.controlPlane().alias().metricThrottles(label("Sum", "control plane throttles")))));
    d.addWidgets(
        percentiles("Data plane duration (ms)", p -> api.dataPlane().alias().metricDuration(label(p, p)),
            config.latencyAlarmMillis()),
        percentiles("Control plane duration (ms)", p -> api.controlPlane().alias().metricDuration(label(p, p)), null),
        graph("Invocations", List.of(
            api.dataPlane().alias().metricInvocations(label("Sum", "data plane")),
            api.controlPlane().alias().metricInvocations(label("Sum", "control plane")))));
    d.addWidgets(
        searchGraph("Prediction latency p50 per model/version (ms)", "PredictionLatency", "p50"),
        searchGraph("Prediction latency p95 per model/version (ms)", "PredictionLatency", "p95"),
        searchGraph("Prediction latency p99 per model/version (ms)", "PredictionLatency", "p99"));
    d.addWidgets(searchGraph("Predictions per model/version", "Predictions", "Sum"));
    for (GpuEndpoint e : endpoints.endpoints()) {
      String n = e.spec().name();
      d.addWidgets(
          percentiles("Endpoint " + n + " model latency per variant (µs)",
              p -> e.endpointMetric("AWS/SageMaker", "ModelLatency", true).with(label(p, p)), null),
          e.async()
              ? graph("Endpoint " + n + " backlog", List.of(
                  e.endpointMetric("AWS/SageMaker", "ApproximateBacklogSize", false).with(label("Average", "backlog")),
                  e.endpointMetric("AWS/SageMaker", "HasBacklogWithoutCapacity", false)
                      .with(label("Maximum", "waiting with no instance"))))
              : graph("Endpoint " + n + " invocations per variant", List.of(
                  e.endpointMetric("AWS/SageMaker", "Invocations", true).with(label("Sum", "invocations")),
                  e.endpointMetric("AWS/SageMaker", "Invocation5XXErrors", true).with(label("Sum", "5xx")))),
          graph("Endpoint " + n + " GPU utilization (%)", List.of(
              e.endpointMetric("/aws/sagemaker/Endpoints", "GPUUtilization", true).with(label("Average", "GPU")),
              e.endpointMetric("/aws/sagemaker/Endpoints", "GPUMemoryUtilization", true)
                  .with(label("Average", "GPU memory")))));
    }
    List<IMetric> queueDepths = new ArrayList<>();
    for (WorkersStack.WorkQueue q : workers.queues()) {
      queueDepths.add(q.queue().metricApproximateNumberOfMessagesVisible(label("Maximum", q.name())));
      queueDepths.add(q.deadLetters().metricApproximateNumberOfMessagesVisible(
          label("Maximum", q.name() + " dead letters")));
    }
    List<IMetric> batch = new ArrayList<>();
    for (StateMachine m : orchestration.stateMachines()) {
      String n = m.getNode().getId();
      batch.add(m.metricStarted(label("Sum", n + " started")));
      batch.add(m.metricSucceeded(label("Sum", n + " succeeded")));
      batch.add(m.metricFailed(label("Sum", n + " failed")));
    }
    d.addWidgets(
        graph("Queue depth", queueDepths),
        batch.isEmpty()
            ? TextWidget.Builder.create().markdown("### Batch jobs\nNo state machines deployed yet: add "
                + "`*.asl.json` files under `state-machines/`.").width(WIDTH).height(6).build()
            : graph("Batch jobs", batch),
        AlarmStatusWidget.Builder.create()
            .title("Alarms")
            .alarms(alarms.stream().map(a -> (IAlarm) a).toList())
            .width(WIDTH).height(6)
            .build());
    return d;
  }

  private interface PercentileMetric {
    IMetric of(String percentile);
  }

  /** p50, p95 and p99 of one metric in one widget, with the alarm threshold drawn when there is one. */
  private GraphWidget percentiles(String title, PercentileMetric metric, Double threshold) {
    var w = GraphWidget.Builder.create()
        .title(title)
        .left(List.of(metric.of("p50"), metric.of("p95"), metric.of("p99")))
        .width(WIDTH).height(6);
    if (threshold != null) {
      w.leftAnnotations(List.of(HorizontalAnnotation.builder().value(threshold).label("alarm").build()));
    }
    return w.build();
  }

  private GraphWidget graph(String title, List<? extends IMetric> metrics) {
    return GraphWidget.Builder.create().title(title).left(List.copyOf(metrics)).width(WIDTH).height(6).build();
  }

  /** Every model/version's EMF metric, found at view time: models come and go without redeploying. */
  private GraphWidget searchGraph(String title, String metricName, String statistic) {
    MathExpression search = MathExpression.Builder.create()
        .expression("SEARCH('{" + PIER_NAMESPACE + ",Model,Version} MetricName=\"" + metricName + "\"', '"
            + statistic + "', 60)")
        .usingMetrics(Map.of())
        .label(statistic)
        .period(PERIOD)
        .build();
    return graph(title, List.of(search));
  }

  /** No label: a labelled metric turns an alarm into a metric-math alarm, harder to read in the console. */
  private static MetricOptions stat(String statistic) {
    return MetricOptions.builder().statistic(statistic).period(PERIOD).build();
  }

  private static MetricOptions label(String statistic, String label) {
    return MetricOptions.builder().statistic(statistic).period(PERIOD).label(label).build();
  }

  private static String capitalize(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
