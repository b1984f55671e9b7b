package dev.pier.registry.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.pier.kernel.PierException;
import dev.pier.kernel.engine.Framework;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An MLflow model directory ({@code mlflow.<flavor>.log_model}'s output): its {@code MLmodel} file says which flavor
 * the model has and where the model is, and this reads the four Pier serves:
 *
 * <ul>
 *   <li>{@code onnx}: the file named by {@code data} ({@code model.onnx});
 *   <li>{@code xgboost}: the file named by {@code data} ({@code model.xgb}, {@code model.ubj}, {@code model.json});
 *   <li>{@code pytorch}: {@code <model_data>/model.pth}, which Pier serves when it is TorchScript (a scripted or
 *       traced module; MLflow saves those with {@code torch.jit.save}) — a pickled eager module does not load;
 *   <li>{@code tensorflow}: the SavedModel directory {@code saved_model_dir} (a {@code tf.Module}), or
 *       {@code <data>/model} for a Keras model saved in the SavedModel format; fetched as one zip archive, which is
 *       how Pier stores SavedModels.
 * </ul>
 *
 * Where several are present the first in that order wins. With none of them (sklearn, a pyfunc wrapping its own
 * files) the directory is searched for a model file as any other prefix is ({@link SourceImport}).
 */
final class MlflowModelDirectory {
  static final String MLMODEL = "MLmodel";
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();
  /** numpy's dtype names, as MLflow's tensor specs write them. */
  private static final Map<String, Datatype> DTYPES = Map.ofEntries(Map.entry("bool", Datatype.BOOL),
      Map.entry("uint8", Datatype.UINT8), Map.entry("uint16", Datatype.UINT16), Map.entry("uint32", Datatype.UINT32),
      Map.entry("uint64", Datatype.UINT64), Map.entry("int8", Datatype.INT8), Map.entry("int16", Datatype.INT16),
      Map.entry("int32", Datatype.INT32), Map.entry("int64", Datatype.INT64), Map.entry("float16", Datatype.FP16),
      Map.entry("float32", Datatype.FP32), Map.entry("float64", Datatype.FP64), Map.entry("str", Datatype.BYTES),
      Map.entry("object", Datatype.BYTES), Map.entry("bytes", Datatype.BYTES));

  /** Where the model is inside the directory: one file, or a directory (a SavedModel) fetched as a zip. */
  record Flavor(String name, Framework framework, String path, boolean directory) {}

  private MlflowModelDirectory() {}

  /**
   * The flavor Pier serves of an {@code MLmodel} file, or null when it has none of the four; 400 naming what is
   * wrong when it is not YAML or a flavor's path leaves the directory.
   */
  static Flavor flavor(String mlmodel) {
    JsonNode flavors = flavors(mlmodel);
    JsonNode onnx = flavors.get("onnx");
    if (onnx != null) {
      return new Flavor("onnx", Framework.ONNX, path(onnx, "data", "model.onnx", "onnx"), false);
    }
    JsonNode xgboost = flavors.get("xgboost");
    if (xgboost != null) {
      return new Flavor("xgboost", Framework.XGBOOST, path(xgboost, "data", "model.xgb", "xgboost"), false);
    }
    JsonNode pytorch = flavors.get("pytorch");
    if (pytorch != null) {
      return new Flavor("pytorch", Framework.PYTORCH, path(pytorch, "model_data", "data", "pytorch") + "/model.pth",
          false);
    }
    JsonNode tensorflow = flavors.get("tensorflow");
    if (tensorflow != null) {
      if (tensorflow.hasNonNull("saved_model_dir")) {
        return new Flavor("tensorflow", Framework.TENSORFLOW, path(tensorflow, "saved_model_dir", null, "tensorflow"),
            true);
      }
      String format = tensorflow.path("save_format").asText("tf");
      if (!format.equals("tf")) {
        throw PierException.badRequest("the tensorflow flavor holds a Keras model saved as '" + format
            + "'; Pier serves SavedModels: log it with keras_model_kwargs={\"save_format\": \"tf\"}");
      }
      return new Flavor("tensorflow", Framework.TENSORFLOW, path(tensorflow, "data", "data", "tensorflow") + "/model",
          true);
    }
    return null;
  }

  /**
   * The model's signature from the {@code MLmodel} file's {@code signature} (MLflow's tensor specs, as JSON strings:
   * {@code [{"name": "input", "type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}]}), or null
   * when it has none or describes columns rather than tensors. Engines whose models carry no signature (TorchScript)
   * serve with it; an unnamed tensor is {@code input}/{@code output}, or {@code input_<i>}/{@code output_<i>} when
   * there are several. 400 naming the spec when a dtype has no OIP datatype.
   */
  static Signature signature(String mlmodel) {
    JsonNode root;
    try {
      root = YAML.readTree(mlmodel);
    } catch (IOException e) {
      throw PierException.badRequest("the MLmodel file is not valid YAML: " + e.getMessage());
    }
    JsonNode signature = root == null ? null : root.get("signature");
    if (signature == null || !signature.isObject()) {
      return null;
    }
    List<TensorSpec> inputs = tensors(signature.get("inputs"), "input");
    List<TensorSpec> outputs = tensors(signature.get("outputs"), "output");
    return inputs == null || outputs == null ? null : new Signature(inputs, outputs);
  }

  private static List<TensorSpec> tensors(JsonNode field, String kind) {
    if (field == null || !field.isTextual()) {
      return null;
    }
    JsonNode specs;
    try {
      specs = JSON.readTree(field.asText());
    } catch (IOException e) {
      throw PierException.badRequest("the MLmodel signature's " + kind + "s are not JSON: " + e.getMessage());
    }
    if (specs == null || !specs.isArray() || specs.isEmpty()) {
      return null;
    }
    List<TensorSpec> out = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      JsonNode spec = specs.get(i);
      if (!"tensor".equals(spec.path("type").asText())) {
        return null; // a column-based signature (pandas): nothing an OIP tensor signature can say
      }
      String dtype = spec.path("tensor-spec").path("dtype").asText();
      Datatype datatype = DTYPES.get(dtype);
      if (datatype == null) {
        throw PierException.badRequest("the MLmodel signature's " + kind + " " + i + " has dtype '" + dtype
            + "', which has no Open Inference Protocol datatype");
      }
      JsonNode shape = spec.path("tensor-spec").path("shape");
      long[] dims = new long[shape.size()];
      for (int d = 0; d < dims.length; d++) {
        dims[d] = shape.get(d).asLong();
      }
      String name = spec.hasNonNull("name") ? spec.get("name").asText()
          : specs.size() == 1 ? kind : kind + "_" + i;
      out.add(new TensorSpec(name, datatype, dims));
    }
    return out;
  }

  /** The names of an {@code MLmodel} file's flavors, as written. */
  static List<String> flavorNames(String mlmodel) {
    List<String> names = new ArrayList<>();
    flavors(mlmodel).fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static JsonNode flavors(String mlmodel) {
    JsonNode root;
    try {
      root = YAML.readTree(mlmodel);
    } catch (IOException e) {
      throw PierException.badRequest("the MLmodel file is not valid YAML: " + e.getMessage());
    }
    JsonNode flavors = root == null ? null : root.get("flavors");
    return flavors != null && flavors.isObject() ? flavors : com.fasterxml.jackson.databind.node.JsonNodeFactory
        .instance.objectNode();
  }

  private static String path(JsonNode flavor, String field, String fallback, String name) {
    String p = flavor.path(field).asText(fallback == null ? "" : fallback).replaceAll("^\\./", "")
        .replaceAll("/+$", "");
    if (p.isEmpty()) {
      throw PierException.badRequest("the MLmodel file's " + name + " flavor has no '" + field + "'");
    }
    try {
      return MlflowArtifactStore.checked(p);
    } catch (PierException e) {
      throw PierException.badRequest("the MLmodel file's " + name + " flavor: " + e.getMessage());
    }
  }

  /** The {@code MLmodel} file of the directory at {@code prefix} (ending in {@code /}) of {@code bucket}. */
  static String read(S3Client s3, String bucket, String prefix) {
    return s3.getObjectAsBytes(b -> b.bucket(bucket).key(prefix + MLMODEL)).asUtf8String();
  }

  /**
   * Fetches the file or (zipped) directory {@code flavor} names in the directory at {@code prefix} into {@code dir};
   * 400 when it is not there.
   */
  static SourceImport.Fetched fetch(S3Client s3, String bucket, String prefix, Flavor flavor, Signature declared,
      Path dir) {
    String key = prefix + flavor.path();
    try {
      if (!flavor.directory()) {
        if (!SourceImport.exists(s3, bucket, key)) {
          throw PierException.badRequest("the MLmodel file's " + flavor.name() + " flavor names '" + flavor.path()
              + "', which is not in s3://" + bucket + "/" + prefix);
        }
        Path file = Files.createTempFile(dir, "mlflow-model", suffix(flavor));
        Files.delete(file);
        s3.getObject(b -> b.bucket(bucket).key(key), ResponseTransformer.toFile(file));
        return new SourceImport.Fetched(file, key, flavor.framework(), declared);
      }
      Path zip = Files.createTempFile(dir, "mlflow-savedmodel", ".zip");
      int entries = 0;
      try (OutputStream out = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(out)) {
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(key + "/")).contents()) {
          String name = o.key().substring(key.length() + 1);
          if (name.isEmpty() || name.endsWith("/")) {
            continue;
          }
          z.putNextEntry(new ZipEntry(name));
          try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(o.key()))) {
            in.transferTo(z);
          }
          z.closeEntry();
          entries++;
        }
      }
      if (entries == 0) {
        throw PierException.badRequest("the MLmodel file's tensorflow flavor names the SavedModel directory '"
            + flavor.path() + "', which holds no files in s3://" + bucket + "/" + prefix);
      }
      return new SourceImport.Fetched(zip, key + "/", flavor.framework(), declared);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String suffix(Flavor flavor) {
    return switch (flavor.framework()) {
      case ONNX -> ".onnx";
      case XGBOOST -> flavor.path().endsWith(".json") ? ".json" : ".ubj";
      case PYTORCH -> ".pt";
      default -> ".bin";
    };
  }
}
