package dev.pier.infra;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.CfnOutputProps;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.constructs.Construct;

/**
 * SageMaker endpoints for versions placed on GPUs (TorchScript/TensorFlow models and anything too big for Lambda).
 * The default deployment has one: {@value #DEFAULT_ENDPOINT}, asynchronous, scaling to zero when idle; context
 * {@code gpuEndpointMode=realtime} makes it real-time instead.
 *
 * <p>Before deploying, put the model archive where {@code gpuModelDataUrl} points (by default
 * {@code s3://<artifacts bucket>/endpoints/gpu/model.tar.gz}): SageMaker downloads it while creating the endpoint.
 */
public final class EndpointsStack extends Stack {
  public static final String DEFAULT_ENDPOINT = "gpu";

  private final List<GpuEndpoint> endpoints = new ArrayList<>();
  private final EndpointDeployerResources deployer;

  public EndpointsStack(Construct scope, String id, StackProps props, PierConfig config, DataStack data) {
    super(scope, id, props);
    endpoints.add(createGpuEndpoint(config, data));
    deployer = new EndpointDeployerResources(this, "EndpointDeployer", config, data);
    if (config.ecsGpu() != null) {
      deployer.deployTo(new EcsGpuService(this, "EcsGpu", config, config.ecsGpu(), data));
    }
  }

  /** The registry's endpoint deployer's table, execution role, rollback alarms and policy. */
  EndpointDeployerResources deployer() {
    return deployer;
  }

  public List<GpuEndpoint> endpoints() {
    return List.copyOf(endpoints);
  }

  private GpuEndpoint createGpuEndpoint(PierConfig config, DataStack data) {
    String modelDataUrl = config.gpuModelDataUrl();
    var modelBucket = modelDataUrl == null ? data.artifacts() : null;
    if (modelDataUrl == null) {
      modelDataUrl = "s3://" + data.artifacts().getBucketName() + "/" + DataStack.ENDPOINT_MODELS_PREFIX
          + DEFAULT_ENDPOINT + "/model.tar.gz";
    }
    var spec = new GpuEndpoint.Spec(DEFAULT_ENDPOINT, config.gpuEndpointMode(), config.gpuInstanceType(),
        config.gpuMaxInstances(), config.gpuImage(), modelDataUrl, modelBucket);
    GpuEndpoint endpoint = new GpuEndpoint(this, "GpuEndpoint", config, spec, data.outputsKey(), data.captures(),
        data.asyncResults());
    new CfnOutput(this, "GpuEndpointName", CfnOutputProps.builder()
        .value(endpoint.endpointName())
        .description(spec.mode() + " SageMaker endpoint on " + spec.instanceType())
        .build());
    return endpoint;
  }
}
