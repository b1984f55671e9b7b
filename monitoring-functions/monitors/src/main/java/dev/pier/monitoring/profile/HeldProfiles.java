package dev.pier.monitoring.profile;

import dev.pier.monitoring.capture.CaptureBatch;
import dev.pier.monitoring.capture.CaptureListener;
import dev.pier.monitoring.capture.CaptureStore;
import dev.pier.monitoring.capture.CapturedPrediction;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The capture writer's profiling listener: each stored batch's rows are added to an open profile per (model, version,
 * hour), and the open profiles are stored ({@link ProfileStore#write(CapturedPrediction, CaptureProfile)}) once the oldest has been
 * open {@code hold} — or when the capture buffer has caught up ({@link #flush()}: a batch that was not full, a flush
 * before an on-demand run, shutdown). A profile's size hardly grows with its rows (its sketches are bounded), so under
 * a steady load this stores one object per hour and {@code hold} instead of one per batch: the writer thread's CPU
 * for serialising and putting profiles (as much as storing the captures themselves, per batch of 1,000 rows) falls
 * by the number of batches held, and runs merge fewer objects. A failed store keeps the profiles for the next try.
 * Rows held are not lost on a clean shutdown (the buffer's close flushes); on a crash they are missing from profiles
 * only (their captures are stored). Thread-safe.
 */
public final class HeldProfiles implements CaptureListener {
  private final ProfileStore store;
  private final long holdNanos;
  private final LongSupplier nanoTime;
  private final Map<String, Open> open = new LinkedHashMap<>();
  private long openedAt;

  public HeldProfiles(ProfileStore store, Duration hold) {
    this(store, hold, System::nanoTime);
  }

  /** With {@code nanoTime} as the clock of {@code hold} (tests). */
  public HeldProfiles(ProfileStore store, Duration hold, LongSupplier nanoTime) {
    this.store = store;
    this.holdNanos = hold.toNanos();
    this.nanoTime = nanoTime;
  }

  @Override
  public synchronized void written(List<CapturedPrediction> rows) {
    if (open.isEmpty()) {
      openedAt = nanoTime.getAsLong();
    }
    CaptureStore.byHour(ProfileStore.PREFIX, rows).forEach((prefix, hour) -> {
      CaptureProfile profile = open.computeIfAbsent(prefix, p -> new Open(hour.getFirst(), new CaptureProfile()))
          .profile();
      hour.forEach(profile::add);
    });
    if (nanoTime.getAsLong() - openedAt >= holdNanos) {
      flush();
    }
  }

  /** As {@link #written(List)}, reading the batch's columns (the serving app's write path). */
  @Override
  public synchronized void written(CaptureBatch batch) {
    if (open.isEmpty()) {
      openedAt = nanoTime.getAsLong();
    }
    for (CaptureBatch.Hour hour : batch.hours()) {
      String prefix = ProfileStore.hourPrefix(hour.model(), hour.version(), hour.hour());
      Open o = open.get(prefix);
      if (o == null) {
        o = new Open(hour.row(0), new CaptureProfile());
        open.put(prefix, o);
      }
      o.profile().add(hour);
    }
    if (nanoTime.getAsLong() - openedAt >= holdNanos) {
      flush();
    }
  }

  /** Stores every open profile; one that fails stays open (with the rest after it) and the failure is thrown. */
  @Override
  public synchronized void flush() {
    for (Iterator<Map.Entry<String, Open>> it = open.entrySet().iterator(); it.hasNext(); ) {
      Open o = it.next().getValue();
      store.write(o.row(), o.profile());
      it.remove();
    }
    openedAt = nanoTime.getAsLong();
  }

  /** An open profile and one of its rows (which names its model, version and hour). */
  private record Open(CapturedPrediction row, CaptureProfile profile) {
  }

  /** Rows added and not yet stored. */
  public synchronized long heldRows() {
    return open.values().stream().mapToLong(o -> o.profile().rows()).sum();
  }
}
