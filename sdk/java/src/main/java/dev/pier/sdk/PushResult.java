package dev.pier.sdk;

import java.util.Map;

/**
 * What a push wrote: its rows, the rows written online per feature view (a row older than the stored one is not), and
 * the Parquet object it added offline ({@code to} offline or online_and_offline; else null).
 */
public record PushResult(long rows, Map<String, Long> writtenOnline, String offlineObject) {}
