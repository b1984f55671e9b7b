package dev.pier.batch;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Row ids as {@link ChunkRows} keeps them: JSON text, so an integer id is its digits and a string id is quoted
 * ({@code 7}, {@code "a-7"}); a row without an id gets its line number.
 */
final class RowIds {
  private static final JsonFactory JSON = new JsonFactory();

  private RowIds() {}

  /** A string as JSON text. */
  static String quoted(String text) {
    StringBuilder s = new StringBuilder(text.length() + 2);
    quote(s, text);
    return s.toString();
  }

  /** The string a {@link #quoted} id holds. */
  static String unquoted(String json) {
    try (JsonParser p = JSON.createParser(json)) {
      p.nextToken();
      return p.getText();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void quote(StringBuilder s, String text) {
    s.append('"');
    JsonStringEncoder.getInstance().quoteAsString(text, s);
    s.append('"');
  }

  /** A CSV record's id: its {@code id} cell (digits as an integer, else a string), or else its line number. */
  static String csv(List<String> record, int idColumn, long line) {
    if (idColumn < 0 || idColumn >= record.size() || record.get(idColumn).isEmpty()) {
      return Long.toString(line);
    }
    String raw = record.get(idColumn);
    return raw.matches("-?\\d{1,18}") ? raw : quoted(raw);
  }
}
