package dev.pier.batch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Local mode's Spark engine: each job runs {@code dev.pier.spark.SparkBatchJob} in a child JVM on a {@code local[*]}
 * Spark session, with the connector's class path ({@code functions/spark/target/spark-classpath.txt}). A child
 * process, not the API's own JVM: Spark 3.5 needs its own Jackson-compatible ANTLR, log4j and javax.servlet versions
 * (the server's are newer), JVM flags ({@code --add-opens}) and {@code SPARK_USER} (JDK 24+ refuses Hadoop's user
 * lookup without it). The child records progress in the jobs table as the Lambda path does; a child that exits
 * without finishing its job fails the job with the exit status and its log's last line. Each child's process id is
 * kept in {@code <job id>.pid}: after the server's {@code kill -9} its children live on, and a restarted server that
 * resumes the job watches the running child instead of starting a second one; a child that died with the server is
 * started again and skips the partitions already recorded ({@code SparkBatchJob}).
 */
public final class LocalSparkLauncher implements JobLauncher {
  /** Spark 3.5 on JDK 17+: the opens its own launcher adds (JavaModuleOptions). */
  public static final List<String> JVM_FLAGS = List.of("--enable-native-access=ALL-UNNAMED",
      "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
      "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
      "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED", "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
      "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED", "-Djdk.reflect.useDirectMethodHandle=false",
      "-Dio.netty.tryReflectionSetAccessible=true");

  private final JobsTable jobs;
  private final String classpath;
  private final Map<String, String> env;
  private final Path logs;
  private final String heap;
  private final Map<String, ProcessHandle> running = new ConcurrentHashMap<>();

  /**
   * @param classpath the connector's class path (Spark included), or null when this build has none
   * @param env what the child reads: the stand-ins' {@code AWS_*}, {@code PIER_REGISTRY_TABLE},
   *     {@code PIER_ARTIFACTS_BUCKET}, {@code PIER_BATCH_JOBS_TABLE}
   * @param logs where each job's child writes {@code <job id>.log}
   */
  public LocalSparkLauncher(JobsTable jobs, String classpath, Map<String, String> env, Path logs, String heap) {
    this.jobs = jobs;
    this.classpath = classpath;
    this.env = Map.copyOf(env);
    this.logs = logs;
    this.heap = heap;
  }

  /**
   * {@code classpath} with each {@code @FILE} entry replaced by the class path that FILE holds (the connector's build
   * writes one). This keeps Spark's 25 KB class path off the server's command line: ONNX Runtime crashes the JVM
   * (SIGSEGV, no hs_err file) in a process whose command line carries one that long.
   */
  public static String expand(String classpath) {
    java.util.StringJoiner out = new java.util.StringJoiner(java.io.File.pathSeparator);
    for (String entry : classpath.split(java.io.File.pathSeparator)) {
      String part = entry.startsWith("@") ? classpathFrom(Path.of(entry.substring(1))) : entry;
      if (part != null && !part.isBlank()) {
        out.add(part);
      }
    }
    return out.toString();
  }

  /** The class path written by the connector's build, or null when it is not there. */
  public static String classpathFrom(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file).strip() : null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public boolean available() {
    return classpath != null && !classpath.isBlank();
  }

  @Override
  public void launch(BatchJob job) {
    if (running.containsKey(job.id()) || adopt(job.id())) {
      return;
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + heap);
    command.addAll(JVM_FLAGS);
    command.add("-cp");
    command.add(classpath); // replaced by the pathing jar below
    command.add("dev.pier.spark.SparkBatchJob");
    command.add(job.id());
    try {
      Files.createDirectories(logs);
      command.set(command.indexOf("-cp") + 1, pathingJar().toString());
      Path log = logs.resolve(job.id() + ".log");
      // appended: a resumed job's log keeps the earlier attempt's lines (why it stopped) above the new run's
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      pb.environment().putAll(env);
      pb.environment().put("SPARK_USER", System.getProperty("user.name", "pier"));
      pb.environment().putIfAbsent("PIER_SPARK_MASTER", "local[*]");
      String maxPartitionBytes = System.getenv("PIER_SPARK_MAX_PARTITION_BYTES");
      if (maxPartitionBytes != null) {
        pb.environment().putIfAbsent("PIER_SPARK_MAX_PARTITION_BYTES", maxPartitionBytes);
      }
      Process p = pb.start();
      running.put(job.id(), p.toHandle());
      Files.writeString(logs.resolve(job.id() + ".pid"), Long.toString(p.pid()));
      p.onExit().thenAccept(done -> {
        running.remove(job.id());
        // a no-op for a job the child finished (or that was cancelled): only an unfinished job fails here
        jobs.finish(job.id(), JobState.FAILED, "the Spark job exited with status " + done.exitValue() + ": "
            + lastLine(log));
      });
    } catch (IOException e) {
      jobs.finish(job.id(), JobState.FAILED, "the Spark job could not start: " + e.getMessage());
    }
  }

  /**
   * Whether the job's child JVM from an earlier server process (killed with {@code kill -9}: its children live on)
   * still runs; if so it is watched as if this process had started it, and no second child is started.
   */
  private boolean adopt(String id) {
    Path pidFile = logs.resolve(id + ".pid");
    Optional<ProcessHandle> child;
    try {
      child = Files.exists(pidFile) ? ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip()))
          : Optional.empty();
    } catch (IOException | NumberFormatException e) {
      child = Optional.empty();
    }
    if (child.isEmpty() || !child.get().isAlive() || !child.get().info().commandLine()
        .filter(c -> c.contains("dev.pier.spark.SparkBatchJob " + id)).isPresent()) {
      return false; // not running, or the id was reused by another process
    }
    ProcessHandle p = child.get();
    if (running.putIfAbsent(id, p) != null) {
      return true;
    }
    p.onExit().thenAccept(done -> {
      running.remove(id);
      jobs.finish(id, JobState.FAILED, "the Spark job's process ended without finishing the job: "
          + lastLine(logs.resolve(id + ".log")));
    });
    return true;
  }

  /**
   * A jar whose manifest holds the class path: ONNX Runtime 1.29's native library crashes the JVM (SIGSEGV) when
   * {@code java.class.path} is longer than a few kilobytes, and Spark's is about 25 KB (surefire does the same).
   */
  private synchronized Path pathingJar() throws IOException {
    Path jar = logs.resolve("spark-classpath.jar");
    if (Files.exists(jar)) {
      return jar;
    }
    java.util.jar.Manifest manifest = new java.util.jar.Manifest();
    manifest.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
    StringBuilder urls = new StringBuilder();
    for (String entry : classpath.split(java.io.File.pathSeparator)) {
      if (!entry.isBlank()) {
        urls.append(urls.isEmpty() ? "" : " ").append(Path.of(entry).toUri().toURL().toExternalForm());
      }
    }
    manifest.getMainAttributes().put(java.util.jar.Attributes.Name.CLASS_PATH, urls.toString());
    Path tmp = logs.resolve("spark-classpath.jar.tmp");
    try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(tmp), manifest)) {
      out.flush();
    }
    Files.move(tmp, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return jar;
  }

  private static String lastLine(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (lines.get(i).startsWith("pier-spark: ")) {
          return lines.get(i).substring("pier-spark: ".length());
        }
      }
      return lines.isEmpty() ? "(no output)" : lines.getLast();
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void stop(String id) {
    ProcessHandle p = running.remove(id);
    if (p != null) {
      p.destroy();
    }
  }
}
