package dev.pier.batch;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * A Parquet file in S3, read with ranged GETs: the footer and then only the column chunks of the row groups a worker
 * scores, never the whole object. Small reads (footer length, page headers) are served from a read-ahead window of
 * {@value #WINDOW} bytes; a read at least that large is one GET of exactly its range. Not thread-safe: one stream per
 * reader.
 */
final class S3InputFile implements InputFile {
  /** Large enough that a footer and a few page headers cost one request, small enough to waste little per chunk. */
  static final int WINDOW = 1 << 20;

  private final S3Client s3;
  private final S3Uri uri;
  private final long length;

  private S3InputFile(S3Client s3, S3Uri uri, long length) {
    this.s3 = s3;
    this.uri = uri;
    this.length = length;
  }

  /** @throws BatchError when the object does not exist */
  static S3InputFile open(S3Client s3, S3Uri uri) {
    try {
      return new S3InputFile(s3, uri, s3.headObject(b -> b.bucket(uri.bucket()).key(uri.key())).contentLength());
    } catch (NoSuchKeyException | NoSuchBucketException e) {
      throw new BatchError("the input " + uri + " does not exist");
    } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
      if (e.statusCode() == 404) {
        throw new BatchError("the input " + uri + " does not exist");
      }
      throw e;
    }
  }

  @Override
  public long getLength() {
    return length;
  }

  @Override
  public SeekableInputStream newStream() {
    return new Ranged();
  }

  private byte[] get(long from, int n) {
    return s3.getObjectAsBytes(b -> b.bucket(uri.bucket()).key(uri.key())
        .range("bytes=" + from + "-" + (from + n - 1))).asByteArray();
  }

  private final class Ranged extends SeekableInputStream {
    private long pos;
    private byte[] window = new byte[0];
    private long windowStart;

    @Override
    public long getPos() {
      return pos;
    }

    @Override
    public void seek(long newPos) throws IOException {
      if (newPos < 0 || newPos > length) {
        throw new EOFException("seek to " + newPos + " outside " + uri + " (" + length + " bytes)");
      }
      pos = newPos;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (pos >= length) {
        return -1;
      }
      int n = (int) Math.min(len, length - pos);
      copy(b, off, n);
      return n;
    }

    @Override
    public void readFully(byte[] bytes) throws IOException {
      readFully(bytes, 0, bytes.length);
    }

    @Override
    public void readFully(byte[] bytes, int start, int len) throws IOException {
      if (pos + len > length) {
        throw new EOFException("reading " + len + " bytes at " + pos + " of " + uri + " (" + length + " bytes)");
      }
      copy(bytes, start, len);
    }

    @Override
    public int read(ByteBuffer buf) throws IOException {
      int n = (int) Math.min(buf.remaining(), length - pos);
      if (n <= 0) {
        return buf.remaining() == 0 ? 0 : -1;
      }
      byte[] tmp = new byte[n];
      copy(tmp, 0, n);
      buf.put(tmp);
      return n;
    }

    @Override
    public void readFully(ByteBuffer buf) throws IOException {
      int n = buf.remaining();
      if (pos + n > length) {
        throw new EOFException("reading " + n + " bytes at " + pos + " of " + uri + " (" + length + " bytes)");
      }
      byte[] tmp = new byte[n];
      copy(tmp, 0, n);
      buf.put(tmp);
    }

    /** Copies {@code n} bytes at {@code pos} (all within the file) and advances. */
    private void copy(byte[] dest, int off, int n) {
      if (n >= WINDOW) {
        System.arraycopy(get(pos, n), 0, dest, off, n);
      } else {
        if (pos < windowStart || pos + n > windowStart + window.length) {
          windowStart = pos;
          window = get(pos, (int) Math.min(WINDOW, length - pos));
        }
        System.arraycopy(window, (int) (pos - windowStart), dest, off, n);
      }
      pos += n;
    }
  }
}
