package dev.pier.kernel.tensor;

import java.util.Locale;

/** The tensor datatypes of the Open Inference Protocol, with the size of one element where it is fixed. */
public enum Datatype {
  BOOL(1),
  UINT8(1),
  UINT16(2),
  UINT32(4),
  UINT64(8),
  INT8(1),
  INT16(2),
  INT32(4),
  INT64(8),
  FP16(2),
  FP32(4),
  FP64(8),
  BYTES(-1);

  private final int elementBytes;

  Datatype(int elementBytes) {
    this.elementBytes = elementBytes;
  }

  /** Bytes per element, or -1 for BYTES whose elements vary in length. */
  public int elementBytes() {
    return elementBytes;
  }

  public boolean isFloatingPoint() {
    return this == FP16 || this == FP32 || this == FP64;
  }

  public boolean isInteger() {
    return switch (this) {
      case UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64 -> true;
      default -> false;
    };
  }

  /**
   * Parses a datatype name exactly as the protocol spells it (upper case). Returns null for anything else so
   * callers can name the offending field in their own error.
   */
  public static Datatype parse(String name) {
    if (name == null) {
      return null;
    }
    try {
      Datatype d = valueOf(name);
      return d;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The valid names, for error messages. */
  public static String names() {
    StringBuilder sb = new StringBuilder();
    for (Datatype d : values()) {
      if (!sb.isEmpty()) {
        sb.append(", ");
      }
      sb.append(d.name());
    }
    return sb.toString().toUpperCase(Locale.ROOT);
  }
}
