package dev.pier.local;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Properties;
import java.util.Set;

/**
 * The one access key the stand-ins accept (S3 and DynamoDB check SigV4 signatures with it), made up at random the
 * first time a data directory is used and kept in {@code <dataDir>/credentials.properties}, readable by its owner
 * only. A well-known key would let any local user reach the stand-ins, and with them the API-keys table of a server
 * started with {@code --auth}; this one is only as readable as the file (and {@code local.env}, which repeats it for
 * tools). Reused on every start, so tools keep working.
 */
record StandInCredentials(String accessKeyId, String secretAccessKey) {
  static final String FILE = "credentials.properties";
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  /** The data directory's credentials, created on its first use. */
  static StandInCredentials of(Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE);
    if (!Files.exists(file)) {
      create(file);
    }
    restrictToOwner(file); // also a file left by an older build, or copied in with looser permissions
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    }
    String id = p.getProperty("aws_access_key_id");
    String secret = p.getProperty("aws_secret_access_key");
    if (id == null || id.isBlank() || secret == null || secret.isBlank()) {
      throw new IOException(file + " lacks aws_access_key_id or aws_secret_access_key; delete it to make new ones");
    }
    return new StandInCredentials(id, secret);
  }

  private static void create(Path file) throws IOException {
    SecureRandom random = new SecureRandom();
    byte[] id = new byte[8];
    byte[] secret = new byte[30];
    random.nextBytes(id);
    random.nextBytes(secret);
    Properties p = new Properties();
    p.setProperty("aws_access_key_id", "PIERLOCAL" + HexFormat.of().withUpperCase().formatHex(id));
    p.setProperty("aws_secret_access_key", Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
    Path tmp = file.resolveSibling(FILE + "." + ProcessHandle.current().pid() + ".tmp");
    Files.deleteIfExists(tmp);
    try {
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    } catch (UnsupportedOperationException e) {
      Files.createFile(tmp); // not a POSIX file system: the directory's own protection is all there is
    }
    try (Writer w = Files.newBufferedWriter(tmp)) {
      p.store(w, "Pier local mode: the only credentials its S3 and DynamoDB stand-ins accept. Keep it private.");
    }
    try {
      // A hard link appears whole and never replaces a file: when two starts race, the first file stays and both
      // read it (a rename would let the second overwrite what the first already uses).
      Files.createLink(file, tmp);
    } catch (FileAlreadyExistsException e) {
      // another start made them first
    } catch (UnsupportedOperationException e) {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void restrictToOwner(Path file) throws IOException {
    try {
      if (!Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
        Files.setPosixFilePermissions(file, OWNER_ONLY);
      }
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system
    }
  }
}
