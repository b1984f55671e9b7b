package dev.pier.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One local Pier per data directory: an exclusive lock on {@code <dataDir>/pier.lock}, taken before anything else in
 * the directory is read or written and held until {@link #close()} (or the process's death — the OS drops the lock
 * with it, so a SIGKILL leaves nothing to clean up). The file holds the owner's pid, which {@code ./pier up} reads to
 * name the server already using a directory before it starts a second one.
 */
final class DataDirLock implements AutoCloseable {
  static final String FILE = "pier.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the directory's lock, creating the directory if needed.
   *
   * @throws IOException naming the holder's pid when another process (or another start in this one) holds it
   */
  static DataDirLock take(Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    Path file = dataDir.resolve(FILE);
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      String holder = holder(channel);
      channel.close();
      throw new IOException("the data directory " + dataDir + " is in use by another Pier"
          + (holder.isEmpty() ? "" : " (pid " + holder + ")") + "; stop it or pass another --data-dir");
    }
    byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
    channel.truncate(0);
    channel.write(ByteBuffer.wrap(pid), 0);
    channel.force(false);
    return new DataDirLock(channel, lock);
  }

  private static String holder(FileChannel channel) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(32);
    channel.read(buffer, 0);
    return new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).replaceAll("[^0-9]", "");
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      // the OS releases the lock with the channel or the process in any case
    }
  }
}
