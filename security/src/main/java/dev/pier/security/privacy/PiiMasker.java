package dev.pier.security.privacy;

import java.math.BigInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces personal data in free text with a tag naming its kind: e-mail addresses ({@code [EMAIL]}), payment card
 * numbers that pass the Luhn check ({@code [CARD]}), IBANs that pass the ISO 13616 mod-97 check ({@code [IBAN]}),
 * national ids ({@code [NATIONAL-ID]}: US SSN, UK National Insurance number) and phone numbers ({@code [PHONE]}:
 * international {@code +…} or grouped national formats such as {@code (202) 555-0143}). Used on every log line and
 * every audit entry. Checksums keep ordinary numbers (tensor data, ids, timestamps) readable. Stateless, thread-safe.
 */
public final class PiiMasker {
  private static final Pattern IBAN = Pattern.compile("\\b[A-Z]{2}\\d{2}(?: ?[A-Z0-9]){11,30}\\b");
  /** Not inside a word: a run of digits within a hex digest or an id is not a card number. */
  private static final Pattern CARD = Pattern.compile("(?<![\\w.])\\d(?:[ -]?\\d){12,18}(?![\\w.])");
  private static final Pattern SSN = Pattern.compile("\\b\\d{3}-\\d{2}-\\d{4}\\b");
  private static final Pattern NINO =
      Pattern.compile("\\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\\d{2} ?\\d{2} ?\\d{2} ?[A-D]\\b");
  private static final Pattern EMAIL = Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}");
  private static final Pattern PHONE = Pattern.compile(
      "(?<![\\w.+])(?:\\+\\d{1,3}[ -]?(?:\\(\\d{1,4}\\)[ -]?)?\\d{1,4}(?:[ -]?\\d{2,4}){1,4}|\\(\\d{3}\\) ?\\d{3}-\\d{4}|\\d{3}-\\d{3}-\\d{4})(?!\\w|\\.\\d)");

  private PiiMasker() {}

  /** {@code text} with every detected piece of personal data replaced; null stays null. */
  public static String mask(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String s = replace(IBAN, text, "[IBAN]", true);
    s = replace(CARD, s, "[CARD]", false);
    s = SSN.matcher(s).replaceAll("[NATIONAL-ID]");
    s = NINO.matcher(s).replaceAll("[NATIONAL-ID]");
    s = EMAIL.matcher(s).replaceAll("[EMAIL]");
    return PHONE.matcher(s).replaceAll("[PHONE]");
  }

  /** Whether {@link #mask} would change {@code text}. */
  public static boolean containsPii(String text) {
    return text != null && !mask(text).equals(text);
  }

  private static String replace(Pattern pattern, String text, String tag, boolean iban) {
    Matcher m = pattern.matcher(text);
    StringBuilder out = new StringBuilder();
    boolean any = false;
    while (m.find()) {
      String digits = m.group().replaceAll("[ -]", "");
      if (iban ? ibanValid(digits) : luhnValid(digits)) {
        m.appendReplacement(out, Matcher.quoteReplacement(tag));
        any = true;
      }
    }
    if (!any) {
      return text;
    }
    m.appendTail(out);
    return out.toString();
  }

  static boolean luhnValid(String digits) {
    int sum = 0;
    boolean twice = false;
    for (int i = digits.length() - 1; i >= 0; i--) {
      int d = digits.charAt(i) - '0';
      if (twice) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
      twice = !twice;
    }
    return sum % 10 == 0;
  }

  static boolean ibanValid(String iban) {
    if (iban.length() < 15 || iban.length() > 34) {
      return false;
    }
    String rearranged = iban.substring(4) + iban.substring(0, 4);
    StringBuilder number = new StringBuilder();
    for (char c : rearranged.toCharArray()) {
      number.append(Character.isDigit(c) ? String.valueOf(c) : String.valueOf(c - 'A' + 10));
    }
    return new BigInteger(number.toString()).mod(BigInteger.valueOf(97)).intValue() == 1;
  }
}
