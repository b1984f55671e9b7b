package dev.pier.spark;

import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.Tensor;
import java.io.Serializable;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * One model output as a column: a scalar when the output holds one value per row ({@code [-1]}, {@code [-1, 1]}),
 * else an array of the row's values. Values keep the output's type (FP32 a float, never widened), so a column holds
 * the very values {@code /predict} answers.
 */
record OutputColumn(String output, String column, Datatype datatype, boolean scalar) implements Serializable {
  static OutputColumn of(TensorSpec spec, String prefix) {
    long[] shape = spec.shape();
    boolean scalar = shape.length <= 1 || (shape.length == 2 && shape[1] == 1);
    return new OutputColumn(spec.name(), prefix + spec.name(), spec.datatype(), scalar);
  }

  DataType sparkType() {
    DataType element = switch (datatype) {
      case BOOL -> DataTypes.BooleanType;
      case INT8 -> DataTypes.ByteType;
      case INT16, UINT8 -> DataTypes.ShortType;
      case INT32, UINT16 -> DataTypes.IntegerType;
      case INT64, UINT32, UINT64 -> DataTypes.LongType;
      case FP16, FP32 -> DataTypes.FloatType;
      case FP64 -> DataTypes.DoubleType;
      case BYTES -> DataTypes.StringType;
    };
    return scalar ? element : ArrayType.apply(element, false);
  }

  /** Row {@code row} of a batch's output tensor of {@code rows} rows, as this column's value. */
  Object value(Tensor tensor, int row, int rows) {
    int width = tensor.length() / rows;
    if (scalar) {
      return element(tensor.data(), row * width);
    }
    Object[] values = new Object[width];
    for (int k = 0; k < width; k++) {
      values[k] = element(tensor.data(), row * width + k);
    }
    return values;
  }

  private Object element(Object data, int i) {
    return switch (data) {
      case float[] f -> f[i];
      case double[] d -> d[i];
      case long[] l -> l[i];
      case int[] n -> datatype == Datatype.UINT32 ? Integer.toUnsignedLong(n[i]) : (Object) n[i];
      case short[] s -> datatype == Datatype.UINT16 ? Short.toUnsignedInt(s[i]) : (Object) s[i];
      case byte[] b -> datatype == Datatype.UINT8 ? (short) Byte.toUnsignedInt(b[i]) : (Object) b[i];
      case boolean[] z -> z[i];
      case String[] s -> s[i];
      default -> throw new IllegalStateException("output '" + output + "' holds " + data.getClass());
    };
  }
}
