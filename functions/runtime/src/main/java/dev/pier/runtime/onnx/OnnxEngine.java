package dev.pier.runtime.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.registry.Framework;
import dev.pier.runtime.EngineSettings;
import dev.pier.runtime.EngineMessage;
import dev.pier.runtime.InferenceEngine;
import dev.pier.runtime.LoadedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * ONNX models (including scikit-learn and XGBoost models converted to ONNX) on ONNX Runtime's Java API, called
 * directly: DJL's wrapper costs about twice the per-call overhead.
 */
public final class OnnxEngine implements InferenceEngine {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final int intraOpThreads;
  private final int interOpThreads;

  /**
   * @param intraOpThreads threads one inference may use; 1 suits small machines serving many concurrent
   *     requests (parallelism then comes from requests, not from splitting one)
   */
  public OnnxEngine(int intraOpThreads) {
    this(intraOpThreads, 1);
  }

  public OnnxEngine(int intraOpThreads, int interOpThreads) {
    this.intraOpThreads = intraOpThreads;
    this.interOpThreads = interOpThreads;
  }

  /** Found by {@link java.util.ServiceLoader}; see {@link InferenceEngine.Provider}. */
  public static final class Provider implements InferenceEngine.Provider {
    @Override
    public Framework framework() {
      return Framework.ONNX;
    }

    @Override
    public InferenceEngine create(EngineSettings settings) {
      return new OnnxEngine(settings.intraOpThreads(), settings.interOpThreads());
    }
  }

  @Override
  public Framework framework() {
    return Framework.ONNX;
  }

  @Override
  public String platform() {
    return "onnxruntime_onnx";
  }

  /** ONNX models carry their signature, so {@code declared} is ignored. */
  @Override
  public LoadedModel load(Path artifact, Signature declared) {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(intraOpThreads);
      options.setInterOpNumThreads(interOpThreads);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      OrtSession session = env.createSession(artifact.toString(), options);
      try {
        Signature signature = new Signature(specs(session.getInputInfo()), specs(session.getOutputInfo()));
        return new OnnxModel(env, session, signature, Files.size(artifact));
      } catch (RuntimeException | IOException e) {
        session.close();
        throw e;
      }
    } catch (OrtException e) {
      throw PierException.badRequest("artifact is not a loadable ONNX model: " + EngineMessage.of(e));
    } catch (IOException e) {
      throw new PierException(500, "could not read the artifact: " + EngineMessage.of(e), e);
    }
  }

  private static List<TensorSpec> specs(Map<String, NodeInfo> nodes) {
    List<TensorSpec> specs = new ArrayList<>(nodes.size());
    for (NodeInfo node : nodes.values()) {
      if (!(node.getInfo() instanceof TensorInfo info)) {
        throw PierException.badRequest("ONNX value '" + node.getName() + "' is a " + node.getInfo()
            + "; only tensor inputs and outputs are served (export classifiers without ZipMap)");
      }
      specs.add(new TensorSpec(node.getName(), datatype(node.getName(), info), info.getShape()));
    }
    return specs;
  }

  private static Datatype datatype(String name, TensorInfo info) {
    return switch (info.onnxType) {
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT -> Datatype.FP32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE -> Datatype.FP64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 -> Datatype.FP16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8 -> Datatype.INT8;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16 -> Datatype.INT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 -> Datatype.INT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 -> Datatype.INT64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 -> Datatype.UINT8;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16 -> Datatype.UINT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32 -> Datatype.UINT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64 -> Datatype.UINT64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL -> Datatype.BOOL;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING -> Datatype.BYTES;
      default -> throw PierException.badRequest("ONNX tensor '" + name + "' has element type " + info.onnxType
          + ", which the Open Inference Protocol cannot carry");
    };
  }

  static boolean creatable(Datatype d) {
    return switch (d) {
      case UINT16, UINT32, UINT64 -> false; // ONNX Runtime's Java API has no such tensor types
      default -> true;
    };
  }

  static OnnxJavaType javaType(Datatype d) {
    return switch (d) {
      case INT8 -> OnnxJavaType.INT8;
      case UINT8 -> OnnxJavaType.UINT8;
      case BOOL -> OnnxJavaType.BOOL;
      case FP16 -> OnnxJavaType.FLOAT16;
      default -> throw new IllegalArgumentException(d.name());
    };
  }
}
