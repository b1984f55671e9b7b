package dev.pier.engine.xgboost;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.pier.runtime.EngineMessage;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.kernel.engine.Framework;
import dev.pier.runtime.EngineProvider;
import dev.pier.runtime.EngineSettings;
import dev.pier.runtime.InferenceEngine;
import dev.pier.runtime.LoadedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * XGBoost boosters saved as JSON or UBJ ({@code save_model("m.json")} / {@code "m.ubj"}), on xgboost4j called
 * directly (DJL's wrapper is slower).
 *
 * <p>A model takes one FP32 input {@code input} of shape {@code [-1, n_features]} (NaN is a missing value) and gives,
 * by objective: {@code probabilities} ({@code binary:logistic}, {@code multi:softprob}), {@code label}
 * ({@code multi:softmax}: the class index as FP32) or {@code predictions} (everything else), plus {@code margin},
 * the untransformed score. Each output is {@code [-1]} when the booster gives one value per row, else
 * {@code [-1, k]}.
 *
 * <p>Threads: XGBoost predicts with OpenMP and by default uses every core, which on a 2-core machine under
 * concurrent requests turns a 100 µs prediction into a p99 of tens of milliseconds. Each booster is pinned to
 * {@link EngineSettings#intraOpThreads()} threads (1 unless configured) through its {@code nthread} parameter.
 */
public final class XGBoostEngine implements InferenceEngine {
  static final String INPUT = "input";
  private final int threads;

  public XGBoostEngine(int threads) {
    this.threads = threads;
  }

  /** Found by {@link java.util.ServiceLoader}. */
  public static final class Provider extends EngineProvider {
    public Provider() {
      super(Framework.XGBOOST, settings -> new XGBoostEngine(settings.intraOpThreads()));
    }
  }

  @Override
  public Framework framework() {
    return Framework.XGBOOST;
  }

  @Override
  public String platform() {
    return "xgboost";
  }

  /** XGBoost models carry their signature (the feature count and the objective), so {@code declared} is ignored. */
  @Override
  public LoadedModel load(Path artifact, Signature declared) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(artifact);
    } catch (IOException e) {
      throw new PierException(500, "could not read the artifact: " + EngineMessage.of(e), e);
    }
    Booster booster;
    try {
      // From a buffer, XGBoost tells JSON from UBJ by the first bytes; from a path it would go by the file
      // extension, which staged artifacts do not have.
      booster = XGBoost.loadModel(bytes);
    } catch (XGBoostError | IOException | RuntimeException e) {
      throw InferenceEngine.notLoadable("XGBoost model (JSON or UBJ)", e);
    }
    try {
      booster.setParam("nthread", threads);
      long features = booster.getNumFeature();
      if (features < 1) {
        throw PierException.badRequest("the XGBoost model declares no features; save it after training");
      }
      String objective = objective(booster);
      // One probe row of missing values tells how many values per row each prediction type gives.
      float[] probe = new float[(int) features];
      java.util.Arrays.fill(probe, Float.NaN);
      int valueColumns = booster.inplace_predict(probe, 1, (int) features, Float.NaN, XGBoostModel.ALL_TREES,
          Booster.PredictionType.kValue, null)[0].length;
      int marginColumns = booster.inplace_predict(probe, 1, (int) features, Float.NaN, XGBoostModel.ALL_TREES,
          Booster.PredictionType.kMargin, null)[0].length;
      List<TensorSpec> outputs = new ArrayList<>(2);
      outputs.add(new TensorSpec(valueOutput(objective), Datatype.FP32, shape(valueColumns)));
      outputs.add(new TensorSpec(XGBoostModel.MARGIN, Datatype.FP32, shape(marginColumns)));
      Signature signature = new Signature(
          List.of(new TensorSpec(INPUT, Datatype.FP32, new long[] {-1, features})), outputs);
      return new XGBoostModel(booster, signature, (int) features, InferenceEngine.residentBytes(bytes.length));
    } catch (XGBoostError | IOException e) {
      booster.dispose();
      throw PierException.badRequest("the XGBoost model could not be prepared for prediction: " + EngineMessage.of(e));
    } catch (RuntimeException e) {
      booster.dispose();
      throw e;
    }
  }

  static String valueOutput(String objective) {
    return switch (objective) {
      case "binary:logistic", "multi:softprob" -> "probabilities";
      case "multi:softmax" -> "label";
      default -> "predictions";
    };
  }

  private static long[] shape(int columns) {
    return columns == 1 ? new long[] {-1} : new long[] {-1, columns};
  }

  /**
   * The objective's name from the booster's own JSON form (whatever it was loaded from), read with a streaming
   * parser that skips the trees.
   */
  private static String objective(Booster booster) throws XGBoostError, IOException {
    try (JsonParser p = new JsonFactory().createParser(booster.toByteArray("json"))) {
      int depth = 0;
      boolean inObjective = false;
      int objectiveDepth = -1;
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        switch (t) {
          case START_OBJECT, START_ARRAY -> depth++;
          case END_OBJECT, END_ARRAY -> {
            depth--;
            if (inObjective && depth < objectiveDepth) {
              inObjective = false;
            }
          }
          case FIELD_NAME -> {
            String name = p.currentName();
            if (name.equals("gradient_booster")) {
              p.nextToken();
              p.skipChildren();
            } else if (name.equals("objective") && !inObjective) {
              inObjective = true;
              objectiveDepth = depth + 1;
            } else if (inObjective && name.equals("name") && depth == objectiveDepth) {
              p.nextToken();
              return p.getText();
            }
          }
          default -> { }
        }
      }
    }
    return "";
  }

}
