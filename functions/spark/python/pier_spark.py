"""Pier's Spark connector from PySpark: a thin wrapper over the JVM API (dev.pier.spark.PierSpark).

Scoring runs on the JVM executors through Pier's runtime (no Python workers, no pandas UDF): this module only
forwards the call through PySpark's py4j gateway. The connector's jar must be on the session's class path
(``spark-submit --jars pier-spark-<version>.jar``, or ``spark.jars``) and the registry configured in the
executors' environment as for the JVM API (AWS_REGION, PIER_REGISTRY_TABLE, PIER_ARTIFACTS_BUCKET, ...).

    from pier_spark import score
    scored = score(df, "fraud@production")                # or "fraud/3"
    strict = score(df, "fraud/3", fail_on_error=True)

Errors the JVM raises before any task runs (an unknown version, a missing column, a type that cannot be
converted) come back as py4j's Py4JJavaError carrying the connector's message.
"""

__all__ = ["score"]


def score(df, reference, *, fail_on_error=False, batch_rows=None, output_prefix=None):
    """Scores ``df`` with the registered version ``reference`` ("model@alias" or "model/N").

    Returns a DataFrame with ``df``'s columns, one column per model output and ``pier_error`` (null for a
    scored row, the reason for a row that could not be scored).

    fail_on_error: fail the job on the first row that cannot be scored instead of filling ``pier_error``.
    batch_rows: rows per model call (default 1,024).
    output_prefix: prefixed to each output's column name.
    """
    if not isinstance(reference, str) or not reference:
        raise ValueError("reference must name a version as 'model@alias' or 'model/N'")
    if batch_rows is not None and (not isinstance(batch_rows, int) or batch_rows < 1):
        raise ValueError("batch_rows must be a positive integer, not %r" % (batch_rows,))
    session = df.sparkSession
    jvm = session._jvm
    options = jvm.dev.pier.spark.ScoringOptions.fromEnvironment()
    if fail_on_error:
        options = options.withFailOnError(True)
    if batch_rows is not None:
        options = options.withBatchRows(batch_rows)
    if output_prefix:
        options = options.withOutputPrefix(output_prefix)
    scored = jvm.dev.pier.spark.PierSpark.score(df._jdf, reference, options)
    return _data_frame(scored, session)


def _data_frame(jdf, session):
    """A Python DataFrame over a JVM Dataset: PySpark 3.5 takes the session (or its SQLContext) as the
    second argument; 4.x's classic DataFrame likewise."""
    try:
        from pyspark.sql.classic.dataframe import DataFrame  # PySpark 4
    except ImportError:
        from pyspark.sql import DataFrame  # PySpark 3.5
    return DataFrame(jdf, session)
