package dev.pier.experiments.assignment;

/**
 * The hash that places a unit in an experiment: the same in the server and in every SDK, so a client that assigns
 * itself agrees with the server. Specification (all arithmetic modulo 2⁶⁴, unsigned):
 * <ol>
 *   <li>{@code bytes = utf8(seed) ‖ 0x00 ‖ utf8(unit)};
 *   <li>{@code h = 0xcbf29ce484222325}; for each byte {@code b}: {@code h = (h XOR b) · 0x100000001b3} (64-bit FNV-1a);
 *   <li>finalize with SplitMix64's mixer: {@code h ^= h >> 30; h *= 0xbf58476d1ce4e5b9; h ^= h >> 27;
 *       h *= 0x94d049bb133111eb; h ^= h >> 31} (FNV alone spreads similar ids like {@code user-1}, {@code user-2}
 *       poorly in its high bits; the mixer fixes that);
 *   <li>the unit's position is {@code (h >> 11) / 2⁵³}, a double in {@code [0, 1)}.
 * </ol>
 * Python: {@code h = 0xcbf29ce484222325; for b in seed.encode() + b"\0" + unit.encode(): h = ((h ^ b) *
 * 0x100000001b3) & M} and so on with {@code M = 2**64 - 1}. Known values are pinned in {@code UnitHashTest}.
 *
 * <p>Allocation-free: the UTF-8 bytes are produced on the fly from the chars.
 */
public final class UnitHash {

  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  /** The unit's 64-bit hash under the given experiment seed. */
  public static long hash(String seed, String unit) {
    long h = utf8(FNV_OFFSET, seed);
    h = (h ^ 0) * FNV_PRIME;
    h = utf8(h, unit);
    return mix(h);
  }

  /** The unit's position in {@code [0, 1)} under the given experiment seed. */
  public static double position(String seed, String unit) {
    return (hash(seed, unit) >>> 11) * 0x1.0p-53;
  }

  private static long utf8(long h, String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        h = (h ^ c) * FNV_PRIME;
      } else if (c < 0x800) {
        h = (h ^ (0xc0 | (c >> 6))) * FNV_PRIME;
        h = (h ^ (0x80 | (c & 0x3f))) * FNV_PRIME;
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        h = (h ^ (0xf0 | (cp >> 18))) * FNV_PRIME;
        h = (h ^ (0x80 | ((cp >> 12) & 0x3f))) * FNV_PRIME;
        h = (h ^ (0x80 | ((cp >> 6) & 0x3f))) * FNV_PRIME;
        h = (h ^ (0x80 | (cp & 0x3f))) * FNV_PRIME;
      } else {
        // a lone surrogate encodes as '?' (0x3f), exactly as String.getBytes(UTF_8) does
        if (Character.isSurrogate(c)) {
          h = (h ^ '?') * FNV_PRIME;
        } else {
          h = (h ^ (0xe0 | (c >> 12))) * FNV_PRIME;
          h = (h ^ (0x80 | ((c >> 6) & 0x3f))) * FNV_PRIME;
          h = (h ^ (0x80 | (c & 0x3f))) * FNV_PRIME;
        }
      }
    }
    return h;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  private UnitHash() {}
}
