package dev.pier.registry.mlflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import dev.pier.kernel.engine.Framework;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.TensorSpec;
import org.junit.jupiter.api.Test;

/**
 * {@link MlflowModelDirectory#flavor}: the MLmodel files below have the shape {@code mlflow.<flavor>.save_model}
 * writes (MLflow 2.x: {@code add_flavor} with the flavor's own keys next to {@code python_function}).
 */
class MlflowModelDirectoryTest {

  @Test
  void anOnnxFlavorNamesItsModelFile() {
    var f = MlflowModelDirectory.flavor("""
        artifact_path: model
        flavors:
          onnx:
            code: null
            data: model.onnx
            onnx_version: 1.14.0
            providers:
            - CUDAExecutionProvider
            - CPUExecutionProvider
          python_function:
            data: model.onnx
            env:
              conda: conda.yaml
              virtualenv: python_env.yaml
            loader_module: mlflow.onnx
            python_version: 3.11.2
        mlflow_version: 2.17.2
        run_id: 5f0e1c7a9b2d4f6e8a1c3e5b7d9f0a2c
        """);
    assertThat(f).isEqualTo(new MlflowModelDirectory.Flavor("onnx", Framework.ONNX, "model.onnx", false));
  }

  @Test
  void anXgboostFlavorNamesItsModelFileInTheSavedFormat() {
    var f = MlflowModelDirectory.flavor("""
        flavors:
          python_function:
            data: model.ubj
            loader_module: mlflow.xgboost
          xgboost:
            code: null
            data: model.ubj
            model_class: xgboost.sklearn.XGBClassifier
            model_format: ubj
            xgb_version: 2.0.3
        """);
    assertThat(f.framework()).isEqualTo(Framework.XGBOOST);
    assertThat(f.path()).isEqualTo("model.ubj");
  }

  @Test
  void aPytorchFlavorPointsIntoItsModelDataDirectory() {
    var f = MlflowModelDirectory.flavor("""
        flavors:
          python_function:
            data: data
            loader_module: mlflow.pytorch
            pickle_module_name: mlflow.pytorch.pickle_module
          pytorch:
            code: null
            model_data: data
            pytorch_version: 2.1.0
        """);
    assertThat(f).isEqualTo(new MlflowModelDirectory.Flavor("pytorch", Framework.PYTORCH, "data/model.pth", false));
  }

  @Test
  void aTensorflowModuleIsItsSavedModelDirectoryAndAKerasModelItsDataModelDirectory() {
    assertThat(MlflowModelDirectory.flavor("""
        flavors:
          tensorflow:
            code: null
            model_type: tf2-module
            saved_model_dir: tf2model
        """)).isEqualTo(new MlflowModelDirectory.Flavor("tensorflow", Framework.TENSORFLOW, "tf2model", true));
    assertThat(MlflowModelDirectory.flavor("""
        flavors:
          tensorflow:
            code: null
            data: data
            keras_version: 2.15.0
            model_type: keras
            save_format: tf
        """).path()).isEqualTo("data/model");
  }

  @Test
  void aKerasModelSavedAsH5IsRefusedSayingHowToLogIt() {
    assertThatThrownBy(() -> MlflowModelDirectory.flavor("""
        flavors:
          tensorflow:
            data: data
            model_type: keras
            save_format: h5
        """)).isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining("save_format");
  }

  @Test
  void flavorsPierDoesNotServeGiveNoFlavorAndAreNamed() {
    String sklearn = """
        flavors:
          python_function:
            loader_module: mlflow.sklearn
          sklearn:
            pickled_model: model.pkl
            serialization_format: cloudpickle
            sklearn_version: 1.2.1
        """;
    assertThat(MlflowModelDirectory.flavor(sklearn)).isNull();
    assertThat(MlflowModelDirectory.flavorNames(sklearn)).containsExactly("python_function", "sklearn");
    assertThat(MlflowModelDirectory.flavor("flavors: {}")).isNull();
  }

  @Test
  void aModelPathLeavingTheDirectoryIsRefused() {
    assertThatThrownBy(() -> MlflowModelDirectory.flavor("""
        flavors:
          onnx:
            data: ../../other-run/artifacts/model.onnx
        """)).isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining("'..'");
  }

  @Test
  void aTensorSignatureBecomesTheDeclaredSignatureWithItsNamesOrDefaultOnes() {
    var signature = MlflowModelDirectory.signature("""
        flavors:
          pytorch:
            model_data: data
        signature:
          inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}]'
          outputs: '[{"name": "probabilities", "type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}},
            {"name": "label", "type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
          params: null
        """);
    assertThat(signature.inputs()).containsExactly(new TensorSpec("input", Datatype.FP32, new long[] {-1, 4}));
    assertThat(signature.outputs()).containsExactly(new TensorSpec("probabilities", Datatype.FP32, new long[] {-1, 3}),
        new TensorSpec("label", Datatype.INT64, new long[] {-1}));
  }

  @Test
  void aColumnSignatureOrNoneDeclaresNothing() {
    assertThat(MlflowModelDirectory.signature("""
        signature:
          inputs: '[{"type": "double", "name": "x", "required": true}]'
          outputs: '[{"type": "long", "required": true}]'
        """)).isNull();
    assertThat(MlflowModelDirectory.signature("flavors: {}")).isNull();
  }
}
