package dev.pier.registry;

import dev.pier.kernel.PierException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A search filter in MLflow's syntax: comparisons joined by {@code AND}, such as
 * {@code metrics.auc > 0.9 AND tags.team = 'fraud' AND name LIKE 'churn%'}. Identifiers are {@code metrics.<key>},
 * {@code params.<key>}, {@code tags.<key>}, {@code attributes.<name>} or a bare attribute name; keys may be quoted
 * with backticks or double quotes. Operators: {@code = != < <= > >= LIKE ILIKE IN NOT IN}. Strings are quoted with
 * single or double quotes; numbers are bare. An empty or blank filter matches everything.
 */
public record SearchFilter(List<Clause> clauses) {
  public static final SearchFilter ALL = new SearchFilter(List.of());

  public SearchFilter {
    clauses = List.copyOf(clauses);
  }

  /** The entity a clause looks at. */
  public enum Entity { METRIC, PARAM, TAG, ATTRIBUTE }

  /** One comparison; {@code value} is a String, a Double or a List of Strings (IN). */
  public record Clause(Entity entity, String key, String op, Object value) {

    /** Whether {@code actual} (a String, a Number or null when absent) satisfies this clause. */
    public boolean matches(Object actual) {
      if (actual == null) {
        return false;
      }
      if (value instanceof Double d) {
        double a;
        if (actual instanceof Number n) {
          a = n.doubleValue();
        } else {
          try {
            a = Double.parseDouble(actual.toString());
          } catch (NumberFormatException e) {
            return false;
          }
        }
        return compare(Double.compare(a, d));
      }
      String a = actual.toString();
      return switch (op) {
        case "IN" -> ((List<?>) value).contains(a);
        case "NOT IN" -> !((List<?>) value).contains(a);
        case "LIKE" -> like((String) value, false).matcher(a).matches();
        case "ILIKE" -> like((String) value, true).matcher(a).matches();
        default -> compare(a.compareTo((String) value));
      };
    }

    private boolean compare(int c) {
      return switch (op) {
        case "=" -> c == 0;
        case "!=" -> c != 0;
        case "<" -> c < 0;
        case "<=" -> c <= 0;
        case ">" -> c > 0;
        case ">=" -> c >= 0;
        default -> false;
      };
    }

    /** The literal prefix of a LIKE pattern (up to its first wildcard), or null when it starts with one. */
    public String likePrefix() {
      String v = (String) value;
      int i = 0;
      while (i < v.length() && v.charAt(i) != '%' && v.charAt(i) != '_') {
        i++;
      }
      return i == 0 ? null : v.substring(0, i);
    }

    private static Pattern like(String pattern, boolean ignoreCase) {
      StringBuilder re = new StringBuilder();
      for (char c : pattern.toCharArray()) {
        switch (c) {
          case '%' -> re.append(".*");
          case '_' -> re.append('.');
          default -> re.append(Pattern.quote(String.valueOf(c)));
        }
      }
      return Pattern.compile(re.toString(), ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0);
    }
  }

  /** Parses a filter; 400 naming the problem when it is malformed. */
  public static SearchFilter parse(String filter) {
    if (filter == null || filter.isBlank()) {
      return ALL;
    }
    return new Parser(filter).parse();
  }

  /** The clauses on this entity and key. */
  public List<Clause> on(Entity entity, String key) {
    return clauses.stream().filter(c -> c.entity == entity && c.key.equals(key)).toList();
  }

  private static final class Parser {
    private final String s;
    private int i;

    Parser(String s) {
      this.s = s;
    }

    SearchFilter parse() {
      List<Clause> clauses = new ArrayList<>();
      do {
        clauses.add(clause());
        skipSpace();
      } while (keyword("AND"));
      skipSpace();
      if (i < s.length()) {
        throw fail("expected AND or the end of the filter at position " + i + ": '" + s.substring(i) + "'");
      }
      return new SearchFilter(clauses);
    }

    private Clause clause() {
      skipSpace();
      String first = identifier();
      Entity entity = Entity.ATTRIBUTE;
      String key = first;
      skipSpace();
      if (i < s.length() && s.charAt(i) == '.') {
        i++;
        entity = switch (first.toLowerCase(Locale.ROOT)) {
          case "metric", "metrics" -> Entity.METRIC;
          case "param", "params", "parameter", "parameters" -> Entity.PARAM;
          case "tag", "tags" -> Entity.TAG;
          case "attribute", "attributes", "attr", "run" -> Entity.ATTRIBUTE;
          default -> throw fail("unknown entity '" + first + "': use metrics, params, tags or attributes");
        };
        key = identifier();
      }
      skipSpace();
      String op = operator();
      skipSpace();
      Object value;
      if (op.endsWith("IN")) {
        value = list();
      } else if (entity == Entity.METRIC || (i < s.length() && s.charAt(i) != '\'' && s.charAt(i) != '"')) {
        value = number();
      } else {
        value = string();
      }
      if (value instanceof Double && (op.equals("LIKE") || op.equals("ILIKE"))) {
        throw fail(op + " needs a quoted string");
      }
      if (entity == Entity.METRIC && !(value instanceof Double)) {
        throw fail("metrics compare with numbers");
      }
      return new Clause(entity, key, op, value);
    }

    private String identifier() {
      if (i < s.length() && (s.charAt(i) == '`' || s.charAt(i) == '"')) {
        char quote = s.charAt(i);
        int end = s.indexOf(quote, i + 1);
        if (end < 0) {
          throw fail("unterminated quoted identifier at position " + i);
        }
        String id = s.substring(i + 1, end);
        i = end + 1;
        return id;
      }
      int start = i;
      while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || "_-/:".indexOf(s.charAt(i)) >= 0)) {
        i++;
      }
      if (start == i) {
        throw fail("expected an identifier at position " + start);
      }
      return s.substring(start, i);
    }

    private String operator() {
      for (String op : new String[] {"!=", "<=", ">=", "=", "<", ">"}) {
        if (s.startsWith(op, i)) {
          i += op.length();
          return op;
        }
      }
      if (keyword("NOT")) {
        skipSpace();
        if (keyword("IN")) {
          return "NOT IN";
        }
        throw fail("expected IN after NOT");
      }
      for (String op : new String[] {"ILIKE", "LIKE", "IN"}) {
        if (keyword(op)) {
          return op;
        }
      }
      throw fail("expected a comparison operator (= != < <= > >= LIKE ILIKE IN) at position " + i);
    }

    private boolean keyword(String word) {
      if (s.regionMatches(true, i, word, 0, word.length())
          && (i + word.length() == s.length() || !Character.isLetterOrDigit(s.charAt(i + word.length())))) {
        i += word.length();
        return true;
      }
      return false;
    }

    private Double number() {
      int start = i;
      while (i < s.length() && "+-.eE0123456789".indexOf(s.charAt(i)) >= 0) {
        i++;
      }
      try {
        return Double.valueOf(s.substring(start, i));
      } catch (NumberFormatException e) {
        throw fail("expected a number at position " + start);
      }
    }

    private String string() {
      char quote = s.charAt(i);
      int end = s.indexOf(quote, i + 1);
      if (end < 0) {
        throw fail("unterminated string at position " + i);
      }
      String v = s.substring(i + 1, end);
      i = end + 1;
      return v;
    }

    private List<String> list() {
      if (i >= s.length() || s.charAt(i) != '(') {
        throw fail("IN needs a parenthesized list of strings");
      }
      i++;
      List<String> values = new ArrayList<>();
      while (true) {
        skipSpace();
        values.add(string());
        skipSpace();
        if (i < s.length() && s.charAt(i) == ',') {
          i++;
        } else if (i < s.length() && s.charAt(i) == ')') {
          i++;
          return values;
        } else {
          throw fail("expected ',' or ')' in the IN list at position " + i);
        }
      }
    }

    private void skipSpace() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
    }

    private PierException fail(String message) {
      return PierException.badRequest("invalid filter '" + s + "': " + message);
    }
  }
}
