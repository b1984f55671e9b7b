package dev.pier.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Step Functions definition in Amazon States Language, one {@code <name>.asl.json} file. The same files run
 * locally (the ASL runner in {@code state-machines/}) and in AWS, so the CDK app deploys whatever is there.
 *
 * @param name the file name without {@code .asl.json}, e.g. {@code batch-scoring}
 * @param definition the ASL JSON, with {@code ${Placeholder}}s the stack substitutes
 */
public record AslFile(String name, String definition) {
  public static final String SUFFIX = ".asl.json";

  /** {@code batch-scoring} → {@code BatchScoring}: the construct id of its state machine. */
  public String constructId() {
    StringBuilder id = new StringBuilder();
    for (String part : name.split("[^A-Za-z0-9]+")) {
      if (!part.isEmpty()) {
        id.append(part.substring(0, 1).toUpperCase(Locale.ROOT)).append(part.substring(1));
      }
    }
    return id.toString();
  }

  /** The {@code ${Name}} placeholders the definition needs substituted, in order of first use. */
  public Set<String> placeholders() {
    Set<String> names = new LinkedHashSet<>();
    Matcher m = PLACEHOLDER.matcher(definition);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_]+)}");

  /** Every {@code *.asl.json} under {@code dir} (recursively), sorted by name; none when {@code dir} is missing. */
  public static List<AslFile> load(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(f -> Files.isRegularFile(f) && f.getFileName().toString().endsWith(SUFFIX))
          .sorted()
          .map(AslFile::read)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("could not list state machines in " + dir, e);
    }
  }

  private static AslFile read(Path file) {
    String fileName = file.getFileName().toString();
    try {
      return new AslFile(fileName.substring(0, fileName.length() - SUFFIX.length()), Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + file, e);
    }
  }
}
