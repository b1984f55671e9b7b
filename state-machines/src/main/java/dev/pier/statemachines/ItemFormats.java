package dev.pier.statemachines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The object formats an S3 ItemReader ({@code s3:getObject}) reads, by {@code ReaderConfig.InputType}: {@code JSON}
 * (an array), {@code JSONL} (one value per line) and {@code CSV} (header in the first row, or
 * {@code CSVHeaderLocation: GIVEN} with {@code CSVHeaders}; every value a string, as in Step Functions).
 */
final class ItemFormats {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ItemFormats() {}

  static List<JsonNode> parse(byte[] bytes, State.MapState.ReaderConfig config) {
    State.MapState.InputType type = config.inputType();
    try {
      return switch (type) {
        case JSON -> {
          JsonNode array = JSON.readTree(bytes);
          if (!array.isArray()) {
            throw new StatesError(StatesError.ITEM_READER_FAILED, "InputType JSON needs a JSON array");
          }
          List<JsonNode> out = new ArrayList<>();
          array.forEach(out::add);
          yield out;
        }
        case JSONL -> {
          List<JsonNode> out = new ArrayList<>();
          for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
              out.add(JSON.readTree(line));
            }
          }
          yield out;
        }
        case CSV -> csv(new String(bytes, StandardCharsets.UTF_8), config.csvHeaders());
      };
    } catch (IOException e) {
      throw new StatesError(StatesError.ITEM_READER_FAILED, "malformed " + type + ": " + e.getMessage(), e);
    }
  }

  /** {@code given}: the CSVHeaders of {@code CSVHeaderLocation: GIVEN}, or null to take the first row. */
  private static List<JsonNode> csv(String text, List<String> given) {
    List<List<String>> rows = CsvRows.parse(text);
    List<String> headers = new ArrayList<>();
    int first = 0;
    if (given != null) {
      headers.addAll(given);
    } else if (!rows.isEmpty()) {
      headers.addAll(rows.get(0));
      first = 1;
    }
    List<JsonNode> out = new ArrayList<>();
    for (int r = first; r < rows.size(); r++) {
      ObjectNode item = JsonNodeFactory.instance.objectNode();
      List<String> row = rows.get(r);
      for (int c = 0; c < headers.size(); c++) {
        item.put(headers.get(c), c < row.size() ? row.get(c) : "");
      }
      out.add(item);
    }
    return out;
  }
}
