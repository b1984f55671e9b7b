package dev.pier.monitoring.profile;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.datasketches.common.ArrayOfStringsSerDe;
import org.apache.datasketches.frequencies.ErrorType;
import org.apache.datasketches.frequencies.FrequentItemsSketch;
import org.apache.datasketches.frequencies.FrequentLongsSketch;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.HllUnion;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.kll.KllSketch;
import org.apache.datasketches.quantilescommon.DoublesSortedView;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;

/**
 * What one column of a stream of rows looked like, in a few kilobytes whatever the number of rows: counts, moments
 * ({@link Moments}), a KLL quantiles sketch of its numbers, a frequent-items sketch of its categories (and of its
 * numbers, for low-cardinality numeric columns) and an HLL sketch of its distinct values. Profiles built on separate
 * servers, Lambdas or hours {@linkplain #merge merge} into the profile of all their rows, and travel as
 * {@linkplain #toBytes bytes}.
 *
 * <p>What the caller may rely on: counts, min, max are exact; mean and variance are exact up to floating point;
 * quantile ranks are within {@link #rankError()} of the exact ones (KLL's bound at 99% confidence), the distinct count
 * within HLL's relative standard error (1.6% at lgK 12), and frequencies exact while the column has at most
 * {@value #EXACT_CATEGORIES} categories (else within {@link #frequencyError()}).
 *
 * <p>A null or missing value records nothing: a {@link DataProfile} derives nulls from its row count. NaN counts as
 * missing too (as pandas and Evidently treat it); infinities are counted as {@link #nonFinite()} and kept out of the
 * moments and quantiles. Booleans and strings are categories; any other non-number by its {@code toString()}.
 *
 * <p>Not thread-safe: build one per writer thread and merge.
 */
public final class ColumnProfile {
  /**
   * KLL's k. At 800 a sketch's normalised rank error is 0.35% (99% confidence), so a Kolmogorov-Smirnov statistic
   * from two sketches is within 0.7% of the exact one; a sketch of a million values serialises to about 19 KB.
   */
  public static final int DEFAULT_QUANTILE_K = 800;
  /** HLL's lgK: 1.6% relative standard error, 4 KB at most per column (an 8-bit union: merges need no conversion). */
  static final int HLL_LG_K = 12;
  /** Frequent items' map size for categories; exact below 3/4 of it. */
  static final int CATEGORY_MAP_SIZE = 1024;
  /** Number of categories up to which frequencies are exact. */
  public static final int EXACT_CATEGORIES = CATEGORY_MAP_SIZE / 4 * 3;
  /** Frequent numbers: only low-cardinality numeric columns are tested as categories (≤ 20 values binned by value). */
  static final int NUMBER_MAP_SIZE = 64;

  private static final byte FORMAT = 1;
  private static final ArrayOfStringsSerDe STRINGS = new ArrayOfStringsSerDe();

  private final int quantileK;
  private final Moments moments;
  private long nonFinite;
  private long textCount;
  // created at the first number; a profile read from bytes wraps them read-only, copied on its first update or merge
  private KllDoublesSketch quantiles;
  // keyed by Double.doubleToLongBits. Read only while exact (at most 48 distinct numbers): once a merge or an update
  // makes it inexact it never becomes exact again (its maximum error only grows), so further merges skip it — a
  // column of many distinct numbers is not tested as categories. A profile read from bytes keeps the serialized
  // sketch (numberBytes) and reads it only when merged into an exact one.
  private FrequentLongsSketch numberFrequencies;
  private MemorySegment numberBytes;
  private FrequentItemsSketch<String> textFrequencies; // created at the first category
  // A union accepts values and sketches alike. A profile read from bytes has no union until it is updated or merged
  // into: it keeps the serialized sketch (distinctBytes) and reads or merges it wrapped, without a copy. Merging 1,000
  // hourly profiles spent most of its time heapifying unions that were only read (./pier bench monitoring).
  private HllUnion distinct;
  private MemorySegment distinctBytes; // read-only, a slice of the bytes the profile was read from
  private HllSketch distinctImage;

  public ColumnProfile() {
    this(DEFAULT_QUANTILE_K);
  }

  public ColumnProfile(int quantileK) {
    this(quantileK, new HllUnion(HLL_LG_K));
  }

  private ColumnProfile(int quantileK, HllUnion distinct) {
    this.quantileK = quantileK;
    this.moments = new Moments();
    this.distinct = distinct;
  }

  /** The kind of values a column holds, from what it has seen. */
  public enum Kind {
    EMPTY, NUMERIC, CATEGORICAL, MIXED
  }

  public void update(Object value) {
    switch (value) {
      case null -> { }
      case Boolean b -> updateText(b.toString());
      case Number n -> update(n.doubleValue());
      case CharSequence s -> updateText(s.toString());
      default -> updateText(value.toString());
    }
  }

  public void update(double x) {
    if (Double.isNaN(x)) {
      return;
    }
    if (Double.isInfinite(x)) {
      nonFinite++;
      return;
    }
    if (quantiles == null) {
      quantiles = KllDoublesSketch.newHeapInstance(quantileK);
      numberFrequencies = new FrequentLongsSketch(NUMBER_MAP_SIZE);
    }
    x = x == 0.0 ? 0.0 : x; // -0.0 and 0.0 are one value
    moments.add(x);
    writableQuantiles().update(x);
    // Numbers' frequencies are read only while exact (no purge yet, see frequencies()), and a purged sketch stays
    // inexact through every merge: a column with more than NUMBER_MAP_SIZE * 3/4 values stops feeding it. Fed, it was a
    // third of a continuous column's sketch CPU (a purge every few dozen values; monitoring BENCH.md).
    FrequentLongsSketch numbers = numberFrequencies();
    if (numbers.getMaximumError() == 0) {
      numbers.update(Double.doubleToLongBits(x));
      if (numbers.getMaximumError() > 0 && numbers.getNumActiveItems() == 0) {
        // A purge of values seen once each empties the sketch, and DataSketches serialises a sketch without values as
        // a fresh one, which would read back as exact: keep one value in it (its counts are never read again).
        numbers.update(Double.doubleToLongBits(x));
      }
    }
    union().update(x);
  }

  public void updateText(String s) {
    if (textFrequencies == null) {
      textFrequencies = new FrequentItemsSketch<>(CATEGORY_MAP_SIZE);
    }
    textCount++;
    textFrequencies.update(s);
    union().update(s);
  }

  private HllUnion union() {
    if (distinct == null) {
      distinct = new HllUnion(HLL_LG_K);
      distinct.update(distinctImage);
      distinctImage = null;
      distinctBytes = null;
    }
    return distinct;
  }

  /** The distinct values' sketch, to merge or read: the wrapped bytes of a profile read and not changed since. */
  private HllSketch distinctSketch() {
    return distinct != null ? distinct.getResult(TgtHllType.HLL_8) : distinctImage;
  }

  /** The numbers' frequent-items sketch, read from the profile's bytes at first use; null before the first number. */
  private FrequentLongsSketch numberFrequencies() {
    if (numberFrequencies == null && numberBytes != null) {
      numberFrequencies = FrequentLongsSketch.getInstance(numberBytes);
      numberBytes = null;
    }
    return numberFrequencies;
  }

  private KllDoublesSketch writableQuantiles() {
    if (quantiles.isReadOnly()) {
      quantiles = KllDoublesSketch.heapify(MemorySegment.ofArray(quantiles.toByteArray()));
    }
    return quantiles;
  }

  /** Adds another profile of the same column into this one; the other is left as it was. */
  public void merge(ColumnProfile other) {
    moments.merge(other.moments);
    nonFinite += other.nonFinite;
    textCount += other.textCount;
    if (other.quantiles != null) {
      if (quantiles == null) {
        quantiles = KllDoublesSketch.newHeapInstance(quantileK);
        numberFrequencies = new FrequentLongsSketch(NUMBER_MAP_SIZE);
      }
      mergeQuantiles(other.quantiles);
      FrequentLongsSketch numbers = numberFrequencies();
      if (numbers.getMaximumError() == 0) {
        numbers.merge(other.numberFrequencies());
        if (numbers.getMaximumError() > 0 && numbers.getNumActiveItems() == 0) {
          numbers.update(0L); // as in updateNumber: an emptied, purged sketch must not read back as a fresh, exact one
        }
      }
    }
    if (other.textFrequencies != null) {
      if (textFrequencies == null) {
        textFrequencies = new FrequentItemsSketch<>(CATEGORY_MAP_SIZE);
      }
      textFrequencies.merge(other.textFrequencies);
    }
    union().update(other.distinctSketch());
  }

  /**
   * KLL's merge rebuilds this sketch's levels each time, which made merging 1,000 small hourly profiles slow (about
   * 60 µs per column and hour). A sketch that never compacted (fewer values than its level 0 holds, as an hour of a
   * quiet model) holds its values exactly, each with weight 1: adding them one by one is that merge, at the cost of
   * updates (about half the time in {@code ./pier bench monitoring}), and keeps the same rank-error guarantee, since
   * the result is the sketch of the union of the values. A compacted sketch is merged.
   */
  private void mergeQuantiles(KllDoublesSketch other) {
    KllDoublesSketch target = writableQuantiles();
    if (other.isEstimationMode()) {
      target.merge(other);
      return;
    }
    // value by value: KLL's bulk update(double[], …) measured slower here (alternated runs of MonitoringBench merge)
    var values = other.iterator();
    while (values.next()) {
      target.update(values.getQuantile());
    }
  }

  /** Non-null values seen, numbers and categories. */
  public long count() {
    return moments.count() + textCount + nonFinite;
  }

  public long numericCount() {
    return moments.count();
  }

  public long textCount() {
    return textCount;
  }

  /** Infinite numbers seen (kept out of moments and quantiles). */
  public long nonFinite() {
    return nonFinite;
  }

  public Kind kind() {
    boolean numbers = moments.count() > 0 || nonFinite > 0;
    boolean text = textCount > 0;
    return numbers && text ? Kind.MIXED : numbers ? Kind.NUMERIC : text ? Kind.CATEGORICAL : Kind.EMPTY;
  }

  public double mean() {
    return moments.mean();
  }

  /** Population variance of the finite numbers. */
  public double variance() {
    return moments.variance();
  }

  /** Population standard deviation of the finite numbers. */
  public double std() {
    return moments.std();
  }

  public double min() {
    return moments.min();
  }

  public double max() {
    return moments.max();
  }

  /** Estimated number of distinct non-null values (numbers and categories). */
  public double distinctEstimate() {
    return distinct != null ? distinct.getEstimate() : distinctImage.getEstimate();
  }

  /** Estimated number of distinct non-null values in this column and another profile of it together. */
  public double distinctEstimateWith(ColumnProfile other) {
    HllUnion union = new HllUnion(HLL_LG_K);
    union.update(distinctSketch());
    union.update(other.distinctSketch());
    return union.getEstimate();
  }

  /** The quantile at normalised rank {@code q} of the finite numbers, NaN when there are none. */
  public double quantile(double q) {
    return quantiles == null || quantiles.isEmpty() ? Double.NaN : quantiles.getQuantile(q);
  }

  /** The fraction of finite numbers ≤ {@code x} (the empirical CDF), within {@link #rankError()}. */
  public double cdf(double x) {
    return quantiles == null || quantiles.isEmpty()
        ? Double.NaN : quantiles.getRank(x, QuantileSearchCriteria.INCLUSIVE);
  }

  /** The fraction of finite numbers strictly below {@code x}: exact beyond min and max, else within rank error. */
  public double fractionBelow(double x) {
    if (quantiles == null || quantiles.isEmpty() || x <= min()) {
      return 0;
    }
    return x > max() ? 1 : quantiles.getRank(x, QuantileSearchCriteria.EXCLUSIVE);
  }

  /** The fraction of finite numbers strictly above {@code x}: exact beyond min and max, else within rank error. */
  public double fractionAbove(double x) {
    if (quantiles == null || quantiles.isEmpty() || x >= max()) {
      return 0;
    }
    return x < min() ? 1 : 1 - quantiles.getRank(x, QuantileSearchCriteria.INCLUSIVE);
  }

  /** The retained numbers with their cumulative weights; empty view when there are no numbers. */
  public DoublesSortedView quantileView() {
    return quantiles == null || quantiles.isEmpty() ? null : quantiles.getSortedView();
  }

  /** KLL's normalised rank error of this sketch at 99% confidence (0 while it still holds every value). */
  public double rankError() {
    if (quantiles == null || !quantiles.isEstimationMode()) {
      return 0;
    }
    return KllSketch.getNormalizedRankError(quantileK, false);
  }

  /**
   * Value frequencies: categories by their string, numbers by their {@code Double} value (numbers only while the column
   * has at most 48 distinct ones, else they are not listed — see {@link #frequencyError()}).
   */
  public Map<Object, Long> frequencies() {
    Map<Object, Long> out = new LinkedHashMap<>();
    FrequentLongsSketch numbers = numberFrequencies();
    if (numbers != null && numbers.getMaximumError() == 0) {
      for (FrequentLongsSketch.Row row : numbers.getFrequentItems(0, ErrorType.NO_FALSE_NEGATIVES)) {
        out.put(Double.longBitsToDouble(row.getItem()), row.getEstimate());
      }
    }
    if (textFrequencies != null) {
      for (FrequentItemsSketch.Row<String> row : textFrequencies.getFrequentItems(0, ErrorType.NO_FALSE_NEGATIVES)) {
        out.put(row.getItem(), row.getEstimate());
      }
    }
    return out;
  }

  /** Whether {@link #frequencies()} lists every value with its exact count. */
  public boolean frequenciesExact() {
    FrequentLongsSketch numbers = numberFrequencies();
    boolean numbersExact = numbers == null || numbers.getMaximumError() == 0;
    boolean textExact = textFrequencies == null || textFrequencies.getMaximumError() == 0;
    return numbersExact && textExact;
  }

  /** The most a category's listed frequency may be off by (0 while exact). */
  public long frequencyError() {
    return textFrequencies == null ? 0 : textFrequencies.getMaximumError();
  }

  public byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT);
      out.writeInt(quantileK);
      moments.write(out);
      out.writeLong(nonFinite);
      out.writeLong(textCount);
      writeBlock(out, quantiles == null ? null : quantiles.toByteArray());
      writeBlock(out, numberFrequencies != null ? numberFrequencies.toByteArray()
          : numberBytes == null ? null : numberBytes.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
      writeBlock(out, textFrequencies == null ? null : textFrequencies.toByteArray(STRINGS));
      writeBlock(out, distinct != null ? distinct.toCompactByteArray()
          : distinctBytes.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Reads what {@link #toBytes()} wrote; IllegalArgumentException naming the problem for anything else. */
  public static ColumnProfile fromBytes(byte[] bytes) {
    return fromBytes(bytes, 0, bytes.length);
  }

  /**
   * Reads what {@link #toBytes()} wrote at {@code bytes[offset, offset + length)}. The sketches are wrapped in place,
   * not copied: the profile reads them from {@code bytes} (which must not change) until it is updated or merged into.
   */
  public static ColumnProfile fromBytes(byte[] bytes, int offset, int length) {
    if (length == 0 || bytes[offset] != FORMAT) {
      throw new IllegalArgumentException("not a column profile of format " + FORMAT);
    }
    ByteCursor in = new ByteCursor(bytes, offset, length);
    try {
      in.readByte();
      ColumnProfile p = new ColumnProfile(in.readInt(), null);
      p.moments.merge(Moments.read(in));
      p.nonFinite = in.readLong();
      p.textCount = in.readLong();
      MemorySegment kll = readBlock(in);
      if (kll != null) {
        p.quantiles = KllDoublesSketch.wrap(kll);
      }
      p.numberBytes = readBlock(in);
      MemorySegment text = readBlock(in);
      if (text != null) {
        p.textFrequencies = FrequentItemsSketch.getInstance(text, STRINGS);
      }
      p.distinctBytes = readBlock(in);
      if (p.distinctBytes == null) {
        throw new IllegalArgumentException("no distinct-values sketch");
      }
      p.distinctImage = HllSketch.wrap(p.distinctBytes);
      return p;
    } catch (IOException | RuntimeException e) {
      // DataSketches throws its own runtime exceptions for bytes it cannot read
      throw new IllegalArgumentException("corrupt column profile: " + e.getMessage(), e);
    }
  }

  private static void writeBlock(DataOutputStream out, byte[] block) throws IOException {
    if (block == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(block.length);
    out.write(block);
  }

  private static MemorySegment readBlock(ByteCursor in) throws IOException {
    int length = in.readInt();
    return length < 0 ? null : in.take(length);
  }
}
