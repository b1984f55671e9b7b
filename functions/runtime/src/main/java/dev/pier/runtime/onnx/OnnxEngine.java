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
import dev.pier.kernel.engine.Framework;
import dev.pier.runtime.EngineProvider;
import dev.pier.runtime.EngineSettings;
import dev.pier.runtime.InferenceEngine;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.ModelArchive;
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
  private final long maxUnpackedBytes;
  private final boolean cuda;
  /** Default bound on what an archive may unpack to: the 10 GB upload limit with room for a graph and padding. */
  public static final long MAX_UNPACKED_BYTES = 16L << 30;

  /**
   * @param intraOpThreads threads one inference may use; 1 suits small machines serving many concurrent
   *     requests (parallelism then comes from requests, not from splitting one)
   */
  public OnnxEngine(int intraOpThreads) {
    this(intraOpThreads, 1);
  }

  public OnnxEngine(int intraOpThreads, int interOpThreads) {
    this(intraOpThreads, interOpThreads, MAX_UNPACKED_BYTES);
  }

  /** @param maxUnpackedBytes what an archived model (graph + external data) may unpack to */
  public OnnxEngine(int intraOpThreads, int interOpThreads, long maxUnpackedBytes) {
    this(intraOpThreads, interOpThreads, maxUnpackedBytes, false);
  }

  /**
   * @param cuda run sessions on GPU 0 through ONNX Runtime's CUDA execution provider (needs the onnxruntime_gpu
   *     build on the class path, as the endpoint image has; engine option {@code device=cuda})
   */
  public OnnxEngine(int intraOpThreads, int interOpThreads, long maxUnpackedBytes, boolean cuda) {
    this.intraOpThreads = intraOpThreads;
    this.interOpThreads = interOpThreads;
    this.maxUnpackedBytes = maxUnpackedBytes;
    this.cuda = cuda;
  }

  /** Found by {@link java.util.ServiceLoader}. */
  public static final class Provider extends EngineProvider {
    public Provider() {
      super(Framework.ONNX, settings -> new OnnxEngine(settings.intraOpThreads(), settings.interOpThreads(),
          settings.maxUnpackedBytes(MAX_UNPACKED_BYTES), "cuda".equals(settings.option("device", "cpu"))));
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

  /**
   * A single .onnx file as it is; a .tar.gz, .tar or .zip holding one .onnx graph and its external-data files (how
   * models over protobuf's 2 GiB limit keep their weights) unpacked next to it, confined to the archive.
   */
  @Override
  public ModelArchive.Staged stage(Path artifact) {
    return ModelArchive.stage(artifact, maxUnpackedBytes);
  }

  /**
   * 1.5 times the graph and its weights: {@code ./pier bench large} measured a peak RSS of 4.2 GB (VmHWM, the whole
   * JVM included) loading and running a 3.0 GB external-data model.
   */
  @Override
  public long peakLoadBytes(long stagedBytes) {
    return stagedBytes + stagedBytes / 2;
  }

  /** ONNX models carry their signature, so {@code declared} is ignored. */
  @Override
  public LoadedModel load(Path artifact, Signature declared) {
    try (ModelArchive.Staged staged = stage(artifact);
        OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      // ONNX Runtime reads external data relative to the graph's directory and refuses paths that leave it
      Path graph = staged.find(p -> p.getFileName().toString().endsWith(".onnx"), ".onnx graph");
      options.setIntraOpNumThreads(intraOpThreads);
      options.setInterOpNumThreads(interOpThreads);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      if (cuda) {
        options.addCUDA(0);
      }
      OrtSession session = env.createSession(graph.toString(), options);
      try {
        Signature signature = new Signature(specs(session.getInputInfo()), specs(session.getOutputInfo()));
        return new OnnxModel(env, session, signature, staged.bytes());
      } catch (RuntimeException e) {
        session.close();
        throw e;
      }
    } catch (OrtException e) {
      throw InferenceEngine.notLoadable("ONNX model", e);
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
