package dev.pier.api.inference;

import dev.pier.features.Catalog;
import dev.pier.features.FeatureRef;
import dev.pier.features.FeatureStatus;
import dev.pier.features.FeatureStore;
import dev.pier.features.FeatureValue;
import dev.pier.kernel.PierException;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.ServingProperties;
import dev.pier.runtime.oip.OipJson;
import dev.pier.runtime.pipeline.FeaturePipeline;
import dev.pier.runtime.prediction.PredictionCall;
import dev.pier.runtime.prediction.Slot;
import dev.pier.runtime.prediction.Stage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link Slot#FEATURES}, ahead of the version's feature pipeline: for a version registered with
 * {@code "feature_service": "<name>"}, each instance's entity join keys fetch the service's features from the online
 * store (one {@link dev.pier.features.FeatureLookup#lookup} for the call's instances: BatchGetItem per 100 keys, views
 * in parallel), merged into the instance under the feature's name and its full name ({@code view__feature}). A value
 * the instance sent itself wins. A feature the online store does not have ({@code NOT_FOUND}, {@code NULL_VALUE},
 * {@code OUTSIDE_MAX_AGE}) is left out, so the pipeline's {@code impute} fills it; when the pipeline would refuse it
 * instead, the call is a 400 naming the instance, the feature, its status and the entity key. A call with
 * {@link PredictionCall#featuresAsOf()} (batch jobs with {@code "point_in_time": true}) takes each instance's values
 * as of its own event timestamp from the offline store instead ({@link dev.pier.features.PointInTimeLookup}), with
 * the same statuses, merge and refusals.
 *
 * <p>Cost for everything else: calls carrying tensors (no instances) and versions without a feature service pass
 * after a null check and one lookup in the version's immutable property map — no allocation. Looking up reads
 * DynamoDB, so a call without a budget to block declines and resumes here on a worker.
 */
final class FeatureLookupStage implements Stage {
  private final FeatureStore store;
  private final Map<String, FeaturePipeline> compiled = new ConcurrentHashMap<>();

  FeatureLookupStage(FeatureStore store) {
    this.store = store;
  }

  @Override
  public boolean apply(PredictionCall call) {
    List<Map<String, Object>> instances = call.instances();
    if (instances == null || call.request() != null) {
      return true; // tensors, or the pipeline ran already (a resumed call)
    }
    ModelVersion version = call.version();
    String service = version.metadata().properties().get(ServingProperties.FEATURE_SERVICE);
    if (service == null || version.serving().pipeline() == null) {
      return true; // no pipeline: the feature pipeline's stage answers the 400 saying so
    }
    if (!call.budget().mayBlock()) {
      return false;
    }
    FeaturePipeline pipeline = compiled.computeIfAbsent(version.model() + "#" + version.version(), k -> {
      try {
        return FeaturePipeline.parse(OipJson.mapper().readTree(version.serving().pipeline()), "pipeline");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    Catalog catalog = store.registry().catalog();
    List<FeatureRef> refs = catalog.resolve(null, service);
    List<Map<String, FeatureValue>> found = call.featuresAsOf() == null ? store.lookup().lookup(service, instances)
        : store.pointInTime().lookup(service, instances, call.featuresAsOf());
    List<Map<String, Object>> merged = new ArrayList<>(instances.size());
    for (int i = 0; i < instances.size(); i++) {
      Map<String, Object> sent = instances.get(i);
      Map<String, Object> row = new HashMap<>(sent);
      for (FeatureRef ref : refs) {
        FeatureValue value = found.get(i).get(ref.fullName());
        if (value != null && value.status() == FeatureStatus.PRESENT) {
          row.putIfAbsent(ref.fullName(), value.value());
          row.putIfAbsent(ref.feature(), value.value());
        } else {
          for (String name : List.of(ref.feature(), ref.fullName())) {
            if (!sent.containsKey(name) && pipeline.requires(name)) {
              throw PierException.badRequest("instances[" + i + "]: feature '" + name + "' of feature service '"
                  + service + "' is " + (value == null ? FeatureStatus.NOT_FOUND : value.status())
                  + (call.featuresAsOf() == null ? " in the online store" : " as of its '" + call.featuresAsOf()
                  + "' in the offline store") + " for " + entity(catalog, ref, sent) + ", and the pipeline has no impute"
                  + " step for it: send '" + name + "' in the instance, or give it an impute step");
            }
          }
        }
      }
      merged.add(row);
    }
    call.instances(merged);
    return true;
  }

  /** {@code driver_id=1001} (join keys of the feature's view, as the instance sent them). */
  private static String entity(Catalog catalog, FeatureRef ref, Map<String, Object> instance) {
    List<String> keys = new ArrayList<>();
    for (String key : catalog.joinKeys(catalog.view(ref.view()))) {
      keys.add(key + "=" + instance.get(key));
    }
    return String.join(", ", keys);
  }
}
