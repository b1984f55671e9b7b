package jakarta.servlet;

/**
 * Test-only, for {@code -Pspark4}: Spark 4 builds its metrics servlet's handler with Jetty 11, whose
 * {@code ServletHolder} checks servlets against this servlet 5 marker interface (removed in servlet 6), even with the
 * UI off. Tests run Spark in one JVM with the S3 stand-in, whose Jetty 12 needs the servlet 6 API: that API and this
 * empty interface together serve both. A Spark 4 cluster brings its own servlet 5 API; nothing here ships.
 */
@Deprecated
public interface SingleThreadModel {}
