package dev.pier.api.privacy;

import dev.pier.security.privacy.MarkedValues;
import dev.pier.security.privacy.MaskedException;
import dev.pier.security.privacy.PiiMasker;
import io.quarkus.logging.LoggingFilter;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import org.jboss.logmanager.ExtLogRecord;

/**
 * Masks personal data (e-mail, phone, card numbers, IBANs, national ids, and the values of the current request's
 * PII-marked input fields, see {@link MarkedValues}) in every log line before a handler writes it: the formatted message is masked and replaces the record's format and parameters. Exception messages are
 * masked too, by replacing the thrown exception with a masked copy of its chain. Enabled on the console and file
 * handlers in application.properties ({@code quarkus.log.*.filter=pier-pii}).
 */
@LoggingFilter(name = "pier-pii")
public final class PiiLogFilter implements Filter {

  @Override
  public boolean isLoggable(LogRecord record) {
    if (record instanceof ExtLogRecord ext) {
      String formatted = ext.getFormattedMessage();
      String masked = mask(formatted);
      if (masked != null && !masked.equals(formatted)) {
        ext.setMessage(masked, ExtLogRecord.FormatStyle.NO_FORMAT);
        ext.setParameters(null);
      }
    } else if (record.getMessage() != null && record.getParameters() == null) {
      record.setMessage(mask(record.getMessage()));
    }
    if (record.getThrown() != null) {
      record.setThrown(MaskedException.chain(record.getThrown(), PiiLogFilter::mask));
    }
    return true;
  }

  /** The values of the current request's PII-marked fields, then detected personal data. */
  private static String mask(String text) {
    return PiiMasker.mask(MarkedValues.mask(text));
  }
}
