package dev.pier.runtime.explain;

import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.registry.ExplainSettings;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Explanations of tabular predictions, returned as extra OIP output tensors:
 * {@code <method>_values} FP32 {@code [rows, columns, features]}, {@code <method>_base} FP32 {@code [rows, columns]}
 * and {@code <method>_output} (BYTES, the output explained).
 *
 * <ul>
 *   <li><b>shap</b>: the engine's exact attributions when it has them (XGBoost TreeSHAP, in margin space);
 *       otherwise KernelSHAP against the version's background rows — exact Shapley values over every coalition for
 *       up to {@value #EXACT_MAX_FEATURES} features, else averaged over {@value #PERMUTATIONS} random permutations.
 *       Either way, for each row and column the values plus the base equal the prediction (efficiency).
 *   <li><b>lime</b>: a weighted ridge regression of the prediction on which features are kept, over
 *       {@value #LIME_SAMPLES} perturbations that replace dropped features by background rows; values are its
 *       coefficients, base its intercept.
 * </ul>
 * Random choices are seeded per request, so the same request explains the same way.
 */
public final class Explainer {
  static final int EXACT_MAX_FEATURES = 10;
  static final int PERMUTATIONS = 32;
  static final int LIME_SAMPLES = 512;
  static final int MAX_BACKGROUND = 50;
  private static final int CHUNK_ROWS = 1 << 16;

  private Explainer() {}

  public static List<Tensor> explain(String method, LoadedModel model, ExplainSettings settings, List<Tensor> inputs) {
    if (model.signature().inputs().size() != 1 || inputs.size() != 1) {
      throw PierException.badRequest("explanations work on models with one tabular input; this one takes "
          + model.signature().inputs().size());
    }
    Tensor input = inputs.get(0);
    if (input.datatype() != Datatype.FP32 || input.shape().length != 2) {
      throw PierException.badRequest("explanations need an FP32 input of shape [rows, features], got "
          + input.datatype() + TensorSpec.format(input.shape()));
    }
    if (method.equals("shap") && model.unwrap() instanceof NativeAttributions exact) {
      return tensors("shap", exact.shap(input));
    }
    if (settings == null) {
      throw PierException.badRequest("'" + method + "' explanations of this model need background data: register"
          + " the version with metadata.explain.background (a few representative input rows)");
    }
    int features = (int) input.shape()[1];
    if (settings.features() != features) {
      throw PierException.badRequest("explain.background rows have " + settings.features() + " features but the input has "
          + features);
    }
    TensorSpec explained = model.signature().outputs().stream()
        .filter(o -> o.datatype() == Datatype.FP32 || o.datatype() == Datatype.FP64).findFirst()
        .orElseThrow(() -> PierException.badRequest("explanations need a floating-point output to explain"));
    Function f = new Function(model, input.name(), explained.name(), features);
    float[][] background = sample(settings.background(), seed(input));
    return tensors(method, method.equals("shap") ? kernelShap(f, input, background) : lime(f, input, background));
  }

  private static List<Tensor> tensors(String method, NativeAttributions.Attributions a) {
    List<Tensor> out = new ArrayList<>(3);
    out.add(new Tensor(method + "_values", Datatype.FP32, new long[] {a.rows(), a.columns(), a.features()}, a.values()));
    out.add(new Tensor(method + "_base", Datatype.FP32, new long[] {a.rows(), a.columns()}, a.base()));
    out.add(new Tensor(method + "_output", Datatype.BYTES, new long[] {1}, new String[] {a.output()}));
    return out;
  }

  /** The model as a function of feature rows, evaluated in large batched calls. */
  private static final class Function {
    final LoadedModel model;
    final String input;
    final String output;
    final int features;
    int columns = -1;

    Function(LoadedModel model, String input, String output, int features) {
      this.model = model;
      this.input = input;
      this.output = output;
      this.features = features;
    }

    /** Evaluates {@code n} rows laid out flat in {@code rows}; returns {@code [n, columns]} as doubles. */
    double[] eval(float[] rows, int n) {
      double[] result = null;
      for (int from = 0; from < n; from += CHUNK_ROWS) {
        int count = Math.min(CHUNK_ROWS, n - from);
        float[] chunk = new float[count * features];
        System.arraycopy(rows, from * features, chunk, 0, chunk.length);
        Tensor out = model.infer(List.of(new Tensor(input, Datatype.FP32, new long[] {count, features}, chunk)),
            List.of(output)).get(0);
        if (columns < 0) {
          columns = out.length() / count;
          result = new double[n * columns];
        }
        if (result == null) {
          result = new double[n * columns];
        }
        for (int i = 0; i < out.length(); i++) {
          result[from * columns + i] = out.data() instanceof float[] fl ? fl[i] : ((double[]) out.data())[i];
        }
      }
      return result;
    }
  }

  private static long seed(Tensor input) {
    return java.util.Arrays.hashCode((float[]) input.data());
  }

  private static float[][] sample(float[][] background, long seed) {
    if (background.length <= MAX_BACKGROUND) {
      return background;
    }
    SplittableRandom random = new SplittableRandom(seed);
    float[][] picked = new float[MAX_BACKGROUND][];
    for (int i = 0; i < picked.length; i++) {
      picked[i] = background[random.nextInt(background.length)];
    }
    return picked;
  }

  /** v(S) for each coalition mask, averaged over the background: rows = masks x background. */
  private static double[][] coalitionValues(Function f, float[] x, int[] masks, float[][] background) {
    int features = f.features;
    int n = masks.length * background.length;
    float[] rows = new float[n * features];
    int r = 0;
    for (int mask : masks) {
      for (float[] b : background) {
        for (int j = 0; j < features; j++) {
          rows[r * features + j] = (mask & (1 << j)) != 0 ? x[j] : b[j];
        }
        r++;
      }
    }
    double[] y = f.eval(rows, n);
    int columns = f.columns;
    double[][] v = new double[masks.length][columns];
    for (int m = 0; m < masks.length; m++) {
      for (int b = 0; b < background.length; b++) {
        for (int c = 0; c < columns; c++) {
          v[m][c] += y[(m * background.length + b) * columns + c] / background.length;
        }
      }
    }
    return v;
  }

  static NativeAttributions.Attributions kernelShap(Function f, Tensor input, float[][] background) {
    int rows = (int) input.shape()[0];
    int features = f.features;
    float[] data = (float[]) input.data();
    float[] values = null;
    float[] base = null;
    for (int row = 0; row < rows; row++) {
      float[] x = java.util.Arrays.copyOfRange(data, row * features, (row + 1) * features);
      double[][] phi;
      double[] empty;
      if (features <= EXACT_MAX_FEATURES) {
        int[] masks = new int[1 << features];
        for (int m = 0; m < masks.length; m++) {
          masks[m] = m;
        }
        double[][] v = coalitionValues(f, x, masks, background);
        int columns = v[0].length;
        phi = new double[columns][features];
        double[] weight = new double[features];
        for (int s = 0; s < features; s++) { // |S|! (F - |S| - 1)! / F!
          weight[s] = Math.exp(logFactorial(s) + logFactorial(features - s - 1) - logFactorial(features));
        }
        for (int mask = 0; mask < masks.length; mask++) {
          int size = Integer.bitCount(mask);
          for (int i = 0; i < features; i++) {
            if ((mask & (1 << i)) == 0) {
              for (int c = 0; c < columns; c++) {
                phi[c][i] += weight[size] * (v[mask | (1 << i)][c] - v[mask][c]);
              }
            }
          }
        }
        empty = v[0];
      } else {
        // Permutation sampling: each permutation's marginal contributions telescope to f(x) - v(empty).
        SplittableRandom random = new SplittableRandom(seed(input) + row);
        int[][] orders = new int[PERMUTATIONS][];
        int[] masks = new int[PERMUTATIONS * (features + 1)];
        for (int p = 0; p < PERMUTATIONS; p++) {
          int[] order = new int[features];
          for (int i = 0; i < features; i++) {
            order[i] = i;
          }
          for (int i = features - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
          }
          orders[p] = order;
        }
        // masks for > 31 features do not fit an int: evaluate coalitions directly per permutation step
        phi = null;
        empty = null;
        double[][] sum = null;
        for (int p = 0; p < PERMUTATIONS; p++) {
          boolean[] kept = new boolean[features];
          float[] rowsFlat = new float[(features + 1) * background.length * features];
          int r = 0;
          for (int step = 0; step <= features; step++) {
            if (step > 0) {
              kept[orders[p][step - 1]] = true;
            }
            for (float[] b : background) {
              for (int j = 0; j < features; j++) {
                rowsFlat[r * features + j] = kept[j] ? x[j] : b[j];
              }
              r++;
            }
          }
          double[] y = f.eval(rowsFlat, r);
          int columns = f.columns;
          if (sum == null) {
            sum = new double[columns][features];
            empty = new double[columns];
          }
          double[][] v = new double[features + 1][columns];
          for (int step = 0; step <= features; step++) {
            for (int b = 0; b < background.length; b++) {
              for (int c = 0; c < columns; c++) {
                v[step][c] += y[(step * background.length + b) * columns + c] / background.length;
              }
            }
          }
          for (int step = 1; step <= features; step++) {
            for (int c = 0; c < columns; c++) {
              sum[c][orders[p][step - 1]] += (v[step][c] - v[step - 1][c]) / PERMUTATIONS;
            }
          }
          for (int c = 0; c < columns; c++) {
            empty[c] = v[0][c];
          }
        }
        phi = sum;
        masks = null;
      }
      int columns = phi.length;
      if (values == null) {
        values = new float[rows * columns * features];
        base = new float[rows * columns];
      }
      for (int c = 0; c < columns; c++) {
        base[row * columns + c] = (float) empty[c];
        for (int i = 0; i < features; i++) {
          values[(row * columns + c) * features + i] = (float) phi[c][i];
        }
      }
    }
    return new NativeAttributions.Attributions(f.output, rows, f.columns, features, values, base);
  }

  static NativeAttributions.Attributions lime(Function f, Tensor input, float[][] background) {
    int rows = (int) input.shape()[0];
    int features = f.features;
    float[] data = (float[]) input.data();
    float[] values = null;
    float[] base = null;
    double width = 0.75 * Math.sqrt(features);
    for (int row = 0; row < rows; row++) {
      float[] x = java.util.Arrays.copyOfRange(data, row * features, (row + 1) * features);
      SplittableRandom random = new SplittableRandom(seed(input) + 31L * row);
      boolean[][] z = new boolean[LIME_SAMPLES][features];
      float[] perturbed = new float[LIME_SAMPLES * features];
      double[] weight = new double[LIME_SAMPLES];
      for (int s = 0; s < LIME_SAMPLES; s++) {
        float[] b = background[random.nextInt(background.length)];
        int dropped = 0;
        for (int j = 0; j < features; j++) {
          z[s][j] = s == 0 || random.nextBoolean(); // sample 0 is the instance itself
          dropped += z[s][j] ? 0 : 1;
          perturbed[s * features + j] = z[s][j] ? x[j] : b[j];
        }
        double distance = Math.sqrt(dropped);
        weight[s] = Math.exp(-distance * distance / (width * width));
      }
      double[] y = f.eval(perturbed, LIME_SAMPLES);
      int columns = f.columns;
      if (values == null) {
        values = new float[rows * columns * features];
        base = new float[rows * columns];
      }
      for (int c = 0; c < columns; c++) {
        double[] beta = ridge(z, y, c, columns, weight, features, 1e-3);
        base[row * columns + c] = (float) beta[features];
        for (int i = 0; i < features; i++) {
          values[(row * columns + c) * features + i] = (float) beta[i];
        }
      }
    }
    return new NativeAttributions.Attributions(f.output, rows, f.columns, features, values, base);
  }

  /** Weighted ridge regression of y[:, c] on the 0/1 design z plus an intercept (last coefficient, unpenalised). */
  private static double[] ridge(boolean[][] z, double[] y, int c, int columns, double[] w, int features, double lambda) {
    int k = features + 1;
    double[][] a = new double[k][k];
    double[] rhs = new double[k];
    double[] xi = new double[k];
    for (int s = 0; s < z.length; s++) {
      for (int j = 0; j < features; j++) {
        xi[j] = z[s][j] ? 1 : 0;
      }
      xi[features] = 1;
      double yi = y[s * columns + c];
      for (int p = 0; p < k; p++) {
        rhs[p] += w[s] * xi[p] * yi;
        for (int q = 0; q < k; q++) {
          a[p][q] += w[s] * xi[p] * xi[q];
        }
      }
    }
    for (int p = 0; p < features; p++) {
      a[p][p] += lambda;
    }
    return solve(a, rhs);
  }

  /** Gaussian elimination with partial pivoting (k is the number of features + 1: small). */
  private static double[] solve(double[][] a, double[] b) {
    int n = b.length;
    for (int col = 0; col < n; col++) {
      int pivot = col;
      for (int r = col + 1; r < n; r++) {
        if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
          pivot = r;
        }
      }
      double[] t = a[col];
      a[col] = a[pivot];
      a[pivot] = t;
      double tb = b[col];
      b[col] = b[pivot];
      b[pivot] = tb;
      if (Math.abs(a[col][col]) < 1e-12) {
        continue;
      }
      for (int r = col + 1; r < n; r++) {
        double factor = a[r][col] / a[col][col];
        for (int q = col; q < n; q++) {
          a[r][q] -= factor * a[col][q];
        }
        b[r] -= factor * b[col];
      }
    }
    double[] x = new double[n];
    for (int r = n - 1; r >= 0; r--) {
      double sum = b[r];
      for (int q = r + 1; q < n; q++) {
        sum -= a[r][q] * x[q];
      }
      x[r] = Math.abs(a[r][r]) < 1e-12 ? 0 : sum / a[r][r];
    }
    return x;
  }

  private static double logFactorial(int n) {
    double s = 0;
    for (int i = 2; i <= n; i++) {
      s += Math.log(i);
    }
    return s;
  }
}
