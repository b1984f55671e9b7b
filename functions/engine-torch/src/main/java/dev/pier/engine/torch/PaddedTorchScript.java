package dev.pier.engine.torch;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Writes a TorchScript file of a chosen size from a small one, for load tests of multi-GB TorchScript models (a
 * checked-in fixture cannot be several GB, and PyTorch for Python is not installable here): the weight storage
 * {@code data/0} (an FP32 storage) of the source is extended to reach the size, and its element count in
 * {@code data.pkl} changed to match. libtorch reads the whole storage into memory when it loads the module, so the
 * padded model costs the memory and load time of a real model of that size, while the tensor that views the
 * storage keeps its size, offset and stride, so the module computes exactly what the source computes. The padding is
 * pseudo-random floats; every entry is stored uncompressed (ZIP64 where needed), as {@code torch.jit.save} does.
 *
 * <p>Used by the TorchScript tests (a few MiB) and {@code ./pier bench large} (several GB):
 * {@code java -cp … dev.pier.engine.torch.PaddedTorchScript SOURCE.pt OUT.pt BYTES}.
 */
public final class PaddedTorchScript {
  private static final int BLOCK = 1 << 20;

  private PaddedTorchScript() {}

  public static void main(String[] args) throws IOException {
    write(Path.of(args[0]), Path.of(args[1]), Long.parseLong(args[2]));
  }

  /** Writes {@code source} to {@code out} with its storage {@code data/0} padded so the file is about {@code bytes}. */
  public static void write(Path source, Path out, long bytes) throws IOException {
    try (ZipFile zip = new ZipFile(source.toFile());
        OutputStream file = Files.newOutputStream(out);
        ZipOutputStream z = new ZipOutputStream(new java.io.BufferedOutputStream(file, BLOCK))) {
      String top = zip.entries().nextElement().getName();
      top = top.substring(0, top.indexOf('/') + 1);
      ZipEntry storage = zip.getEntry(top + "data/0");
      ZipEntry pickle = zip.getEntry(top + "data.pkl");
      if (storage == null || pickle == null) {
        throw new IllegalArgumentException(source + " is not a TorchScript file with a storage data/0");
      }
      byte[] original = read(zip, storage);
      long others = 0;
      for (ZipEntry e : Collections.list(zip.entries())) {
        others += e.getName().equals(storage.getName()) ? 0 : e.getSize();
      }
      long numel = Math.max(original.length / 4, (bytes - others) / 4);
      byte[] padding = new byte[BLOCK];
      ByteBuffer floats = ByteBuffer.wrap(padding).order(ByteOrder.LITTLE_ENDIAN);
      Random random = new Random(0);
      while (floats.hasRemaining()) {
        floats.putFloat((float) random.nextGaussian() * 0.01f);
      }
      for (ZipEntry e : Collections.list(zip.entries())) {
        if (e.getName().equals(storage.getName())) {
          writePadded(z, e.getName(), original, numel * 4, padding);
        } else {
          byte[] content = read(zip, e);
          boolean isPickle = e.getName().equals(pickle.getName());
          writeStored(z, e.getName(), isPickle ? withNumel(content, original.length / 4, numel) : content);
        }
      }
    }
  }

  /** {@code data.pkl} with the element count of storage '0' replaced (BININT1/BININT/LONG1, as pickle encodes ints). */
  static byte[] withNumel(byte[] pickle, long oldNumel, long numel) {
    byte[] key = "X\u0001\u0000\u0000\u00000".getBytes(StandardCharsets.ISO_8859_1); // BINUNICODE '0'
    int at = indexOf(pickle, key, 0);
    byte[] cpu = "X\u0003\u0000\u0000\u0000cpu".getBytes(StandardCharsets.ISO_8859_1);
    int device = at < 0 ? -1 : indexOf(pickle, cpu, at);
    if (device < 0 || oldNumel > 255) {
      throw new IllegalArgumentException("data.pkl does not hold storage '0' as expected");
    }
    int op = device + cpu.length;
    if (pickle[op] == 'q') {
      op += 2; // BINPUT n after the device string
    }
    if (pickle[op] != 'K' || (pickle[op + 1] & 0xff) != oldNumel || pickle[op + 2] != 't') {
      throw new IllegalArgumentException("data.pkl does not hold storage '0''s element count where expected");
    }
    ByteBuffer number = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
    if (numel < Integer.MAX_VALUE) {
      number.put((byte) 'J').putInt((int) numel);
    } else {
      number.put((byte) 0x8a).put((byte) 8).putLong(numel);
    }
    byte[] replaced = new byte[pickle.length - 2 + number.position()];
    System.arraycopy(pickle, 0, replaced, 0, op);
    System.arraycopy(number.array(), 0, replaced, op, number.position());
    System.arraycopy(pickle, op + 2, replaced, op + number.position(), pickle.length - op - 2);
    return replaced;
  }

  private static void writePadded(ZipOutputStream z, String name, byte[] head, long length, byte[] padding)
      throws IOException {
    CRC32 crc = new CRC32();
    crc.update(head);
    for (long left = length - head.length; left > 0; left -= padding.length) {
      crc.update(padding, 0, (int) Math.min(left, padding.length));
    }
    ZipEntry entry = stored(name, length, crc.getValue());
    z.putNextEntry(entry);
    z.write(head);
    for (long left = length - head.length; left > 0; left -= padding.length) {
      z.write(padding, 0, (int) Math.min(left, padding.length));
    }
    z.closeEntry();
  }

  private static void writeStored(ZipOutputStream z, String name, byte[] content) throws IOException {
    CRC32 crc = new CRC32();
    crc.update(content);
    z.putNextEntry(stored(name, content.length, crc.getValue()));
    z.write(content);
    z.closeEntry();
  }

  private static ZipEntry stored(String name, long size, long crc) {
    ZipEntry entry = new ZipEntry(name);
    entry.setMethod(ZipEntry.STORED);
    entry.setSize(size);
    entry.setCompressedSize(size);
    entry.setCrc(crc);
    return entry;
  }

  private static byte[] read(ZipFile zip, ZipEntry e) throws IOException {
    try (InputStream in = zip.getInputStream(e)) {
      return in.readAllBytes();
    }
  }

  private static int indexOf(byte[] in, byte[] what, int from) {
    outer:
    for (int i = from; i <= in.length - what.length; i++) {
      for (int j = 0; j < what.length; j++) {
        if (in[i + j] != what[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
