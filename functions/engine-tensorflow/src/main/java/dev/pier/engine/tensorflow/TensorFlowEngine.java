package dev.pier.engine.tensorflow;

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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.DataType;

/**
 * TensorFlow SavedModels on TensorFlow Java. The artifact is a .tar.gz or .zip of the SavedModel directory (the one
 * holding {@code saved_model.pb} and {@code variables/}), possibly inside one top-level folder. It is unpacked next
 * to the artifact by {@link ModelArchive} (confined to its directory, bounded by {@code max-unpacked-bytes}), loaded
 * with tag {@code serve}, and the staging directory is deleted once the model is in memory.
 *
 * <p>The signature is the {@code serving_default} signature def: its input and output keys are the OIP tensor names
 * (sorted by name, as the SavedModel stores them in a map), with their datatypes and shapes ({@code -1} for unknown
 * dimensions).
 */
public final class TensorFlowEngine implements InferenceEngine {
  static final String SERVING = "serving_default";
  static final String SAVED_MODEL_PB = "saved_model.pb";
  /** Default bound on what an archive may unpack to. */
  static final long MAX_UNPACKED_BYTES = 8L << 30;
  private final EngineSettings settings;
  private final long maxUnpackedBytes;

  static {
    allowNativeMemoryBeyondTheHeap();
  }

  /**
   * TensorFlow Java allocates through JavaCPP, which throws {@code OutOfMemoryError: Physical memory usage is too
   * high} once the process's resident memory passes {@code org.bytedeco.javacpp.maxPhysicalBytes}, by default four
   * times the heap limit: 2 GiB under {@code -Xmx512m}, so a 3 GB SavedModel restored fine and then failed its first
   * run. A model's weights live outside the heap by design, and the model cache checks every load against the
   * machine's available memory, so that limit is lifted (0) unless it is set. Call before any TensorFlow class is
   * used: JavaCPP reads it once.
   */
  public static void allowNativeMemoryBeyondTheHeap() {
    if (System.getProperty(MAX_PHYSICAL_BYTES) == null) {
      System.setProperty(MAX_PHYSICAL_BYTES, "0");
    }
  }

  static final String MAX_PHYSICAL_BYTES = "org.bytedeco.javacpp.maxPhysicalBytes";

  public TensorFlowEngine(EngineSettings settings) {
    this.settings = settings;
    this.maxUnpackedBytes = settings.maxUnpackedBytes(MAX_UNPACKED_BYTES);
  }

  /** Found by {@link java.util.ServiceLoader}. */
  public static final class Provider extends EngineProvider {
    public Provider() {
      super(Framework.TENSORFLOW, TensorFlowEngine::new);
    }
  }

  @Override
  public Framework framework() {
    return Framework.TENSORFLOW;
  }

  @Override
  public String platform() {
    return "tensorflow_savedmodel";
  }

  /** A .tar.gz, .tar or .zip of the SavedModel directory, unpacked next to it (or a directory unpacked already). */
  @Override
  public ModelArchive.Staged stage(Path artifact) {
    if (!Files.isDirectory(artifact) && !ModelArchive.isArchive(artifact)) {
      throw PierException.badRequest("a TensorFlow artifact must be a .tar.gz or .zip of the SavedModel directory"
          + " (the one holding saved_model.pb); this file is neither");
    }
    return ModelArchive.stage(artifact, maxUnpackedBytes);
  }

  /** SavedModels carry their signature, so {@code declared} is ignored. */
  @Override
  public LoadedModel load(Path artifact, Signature declared) {
    try (ModelArchive.Staged staged = stage(artifact)) {
      Path dir = root(staged.path());
      SavedModelBundle bundle;
      try {
        bundle = SavedModelBundle.loader(dir.toString())
            .withTags(SavedModelBundle.DEFAULT_TAG)
            .withConfigProto(ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(settings.intraOpThreads())
                .setInterOpParallelismThreads(settings.interOpThreads())
                .build())
            .load();
      } catch (TensorFlowException | IllegalArgumentException e) {
        throw InferenceEngine.notLoadable("TensorFlow SavedModel (tag 'serve')", e);
      }
      try {
        SessionFunction function = serving(bundle);
        Signature signature = new Signature(specs(function.signature().getInputs(), "input"),
            specs(function.signature().getOutputs(), "output"));
        return new TensorFlowModel(bundle, function, signature, InferenceEngine.residentBytes(staged.bytes()));
      } catch (RuntimeException e) {
        bundle.close();
        throw e;
      }
    }
  }

  /** The directory holding saved_model.pb: the archive's top, or its one top-level folder. */
  private static Path root(Path into) {
    if (Files.isRegularFile(into.resolve(SAVED_MODEL_PB))) {
      return into;
    }
    List<Path> top;
    try (Stream<Path> s = Files.list(into)) {
      top = s.filter(p -> !p.getFileName().toString().startsWith(".")
          && !p.getFileName().toString().equals("__MACOSX")).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (top.size() == 1 && Files.isDirectory(top.get(0)) && Files.isRegularFile(top.get(0).resolve(SAVED_MODEL_PB))) {
      return top.get(0);
    }
    throw PierException.badRequest("the archive holds no SavedModel: saved_model.pb must be at its top or inside"
        + " its one top-level folder");
  }

  private static SessionFunction serving(SavedModelBundle bundle) {
    try {
      return bundle.function(SERVING);
    } catch (IllegalArgumentException e) {
      throw PierException.badRequest("the SavedModel has no '" + SERVING + "' signature; it has "
          + bundle.signatures().stream().map(org.tensorflow.Signature::key).toList()
          + " (export it with a serving_default signature)");
    }
  }

  private static List<TensorSpec> specs(Map<String, org.tensorflow.Signature.TensorDescription> tensors, String role) {
    List<TensorSpec> specs = new ArrayList<>(tensors.size());
    for (var e : new TreeMap<>(tensors).entrySet()) {
      var d = e.getValue();
      if (d.shape.isUnknown()) {
        throw PierException.badRequest("the SavedModel's " + role + " '" + e.getKey() + "' has an unknown rank;"
            + " export it with a known number of dimensions");
      }
      long[] dims = d.shape.asArray();
      for (int i = 0; i < dims.length; i++) {
        dims[i] = dims[i] < 0 ? -1 : dims[i];
      }
      specs.add(new TensorSpec(e.getKey(), datatype(e.getKey(), d.dataType), dims));
    }
    return specs;
  }

  static Datatype datatype(String name, DataType t) {
    return switch (t) {
      case DT_FLOAT -> Datatype.FP32;
      case DT_DOUBLE -> Datatype.FP64;
      case DT_INT32 -> Datatype.INT32;
      case DT_INT64 -> Datatype.INT64;
      case DT_UINT8 -> Datatype.UINT8;
      case DT_BOOL -> Datatype.BOOL;
      case DT_STRING -> Datatype.BYTES;
      default -> throw PierException.badRequest("the SavedModel's tensor '" + name + "' has type " + t
          + ", which the TensorFlow engine does not serve (FP32, FP64, INT32, INT64, UINT8, BOOL and BYTES are)");
    };
  }

}
