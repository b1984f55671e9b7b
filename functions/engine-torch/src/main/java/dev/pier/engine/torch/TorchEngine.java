package dev.pier.engine.torch;

import ai.djl.engine.Engine;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import dev.pier.runtime.EngineMessage;
import dev.pier.kernel.PierException;
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

/**
 * TorchScript models ({@code torch.jit.trace(...).save} or {@code torch.jit.script}) on DJL's PyTorch engine,
 * called through its JNI layer directly (no Predictor/Translator per call).
 *
 * <p>A TorchScript file says nothing about its tensors' names, datatypes or shapes, so a version must be registered
 * with {@code metadata.signature}: inputs are passed to {@code forward} positionally in the declared order, and the
 * tensor or tuple it returns is matched to the declared outputs in order. {@link #load} checks the declaration by
 * running the model once on zeros (every {@code -1} taken as 1) and refuses a mismatch with a 400.
 *
 * <p>Process-wide settings, applied once when the first model is loaded (libtorch allows no change after that):
 * {@code ai.djl.offline=true} (the natives come from the pytorch-native-cpu jar, never from the network), DJL's
 * cache directory (where ~430 MB of natives are unpacked once; {@link EngineSettings#workDir()} unless
 * {@code DJL_CACHE_DIR} is set), intra-op and inter-op threads (1 and 1 by default: on small machines
 * parallelism comes from concurrent requests) and the TorchScript graph optimizer (off by default: it
 * re-specializes the graph during the first calls, which costs latency and throughput for small models; option
 * {@code graph-optimizer}). System properties already set by the operator win over all of these.
 */
public final class TorchEngine implements InferenceEngine {
  private static final Object INIT_LOCK = new Object();
  private static volatile PtNDManager root;
  private final EngineSettings settings;

  public TorchEngine(EngineSettings settings) {
    this.settings = settings;
  }

  /** Found by {@link java.util.ServiceLoader}. */
  public static final class Provider extends EngineProvider {
    public Provider() {
      super(Framework.PYTORCH, TorchEngine::new);
    }
  }

  @Override
  public Framework framework() {
    return Framework.PYTORCH;
  }

  @Override
  public String platform() {
    return "pytorch_torchscript";
  }

  @Override
  public LoadedModel load(Path artifact, Signature declared) {
    if (declared == null || declared.inputs().isEmpty() || declared.outputs().isEmpty()) {
      throw PierException.badRequest("a TorchScript model does not say what tensors it takes and gives:"
          + " metadata.signature is required, with 'inputs' and 'outputs' in forward()'s order, e.g. {\"inputs\":"
          + "[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[-1,4]}],\"outputs\":[{\"name\":\"output\","
          + "\"datatype\":\"FP32\",\"shape\":[-1,3]}]}");
    }
    for (TensorSpec spec : declared.inputs()) {
      TorchTensors.checkSupported(spec, "input");
    }
    for (TensorSpec spec : declared.outputs()) {
      TorchTensors.checkSupported(spec, "output");
    }
    PtNDManager manager = root();
    PtSymbolBlock block;
    try {
      block = JniUtils.loadModule(manager, artifact, true, new String[0], new String[0], false);
    } catch (RuntimeException e) {
      throw InferenceEngine.notLoadable("TorchScript model (save it with torch.jit.trace(...).save or"
          + " torch.jit.script(...).save)", e);
    }
    try {
      JniUtils.enableInferenceMode(block);
      TorchModel model = new TorchModel(manager, block, declared, optimizer(), sizeBytes(artifact));
      model.checkDeclaredSignature();
      return model;
    } catch (RuntimeException e) {
      block.close();
      throw e;
    }
  }

  private boolean optimizer() {
    String property = System.getProperty("ai.djl.pytorch.graph_optimizer");
    return Boolean.parseBoolean(property != null ? property : settings.option("graph-optimizer", "false"));
  }

  private static long sizeBytes(Path artifact) {
    try {
      return InferenceEngine.residentBytes(Files.size(artifact));
    } catch (IOException e) {
      return 1 << 20;
    }
  }

  /** Starts DJL's PyTorch engine once per process: unpacks (first time only) and loads libtorch. */
  private PtNDManager root() {
    PtNDManager m = root;
    if (m != null) {
      return m;
    }
    synchronized (INIT_LOCK) {
      if (root == null) {
        setIfAbsent("ai.djl.offline", "true");
        if (settings.workDir() != null && System.getenv("DJL_CACHE_DIR") == null) {
          setIfAbsent("DJL_CACHE_DIR", settings.workDir().toAbsolutePath().toString());
        }
        setIfAbsent("ai.djl.pytorch.num_threads", Integer.toString(settings.intraOpThreads()));
        setIfAbsent("ai.djl.pytorch.num_interop_threads", Integer.toString(settings.interOpThreads()));
        try {
          Engine engine = Engine.getEngine("PyTorch");
          // engine option device=cuda (the endpoint's --device cuda): models load onto GPU 0 and each call's
          // tensors are made there; the root manager is per process, as DJL's engine is
          root = (PtNDManager) engine.newBaseManager("cuda".equals(settings.option("device", "cpu"))
              ? ai.djl.Device.gpu() : ai.djl.Device.cpu());
        } catch (RuntimeException | LinkageError e) {
          throw new PierException(500, "the PyTorch engine could not start (DJL cache "
              + System.getProperty("DJL_CACHE_DIR", "~/.djl.ai") + "): " + EngineMessage.of(e), e);
        }
      }
      return root;
    }
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

}
