"""Pier's Spark connector from PySpark: a thin wrapper over the JVM API (dev.pier.spark.PierSpark).

Scoring runs on the JVM executors through Pier's runtime (no Python workers, no pandas UDF): this module only
forwards the call through PySpark's py4j gateway. The connector's jar must be on the session's class path
(``spark-submit --jars pier-spark-<version>.jar``, or ``spark.jars``) and the registry configured in the
executors' environment as for the JVM API (AWS_REGION, PIER_REGISTRY_TABLE, PIER_ARTIFACTS_BUCKET, ...).

    from pier_spark import score, read
    scored = score(df, "fraud@production")                # or "fraud/3"
    strict = score(df, "fraud/3", fail_on_error=True)
    rows = read(spark).model("fraud@production").option("mergeSchema", "true").parquet("s3://bucket/rows/")

Errors the JVM raises before any task runs (an unknown version, a missing column, a type that cannot be
converted) come back as py4j's Py4JJavaError carrying the connector's message.
"""

__all__ = ["score", "read", "PierReader"]


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


def read(spark):
    """``spark.read``, scored: a PierReader over the JVM's dev.pier.spark.PierReader.

    ``read(spark).model("fraud@production").format("json").option("multiLine", "true").load(path)`` reads as
    ``spark.read`` would and scores what it reads, with the version resolved and the columns checked on the
    driver before any task runs.
    """
    return PierReader(spark, spark._jvm.dev.pier.spark.PierSpark.read(spark._jsparkSession))


class PierReader:
    """Like PySpark's DataFrameReader, plus the version to score with and how; each call returns a new reader.
    Nothing is read until load(), table() or a format's shortcut (parquet, json, csv)."""

    def __init__(self, spark, jreader):
        self._spark, self._jreader = spark, jreader

    def _next(self, jreader):
        return PierReader(self._spark, jreader)

    def model(self, reference):
        """The version to score with: "model@alias" or "model/N"."""
        if not isinstance(reference, str) or not reference:
            raise ValueError("reference must name a version as 'model@alias' or 'model/N'")
        return self._next(self._jreader.model(reference))

    def fail_on_error(self, fail=True):
        return self._next(self._jreader.failOnError(bool(fail)))

    def batch_rows(self, rows):
        if not isinstance(rows, int) or isinstance(rows, bool) or rows < 1:
            raise ValueError("batch_rows must be a positive integer, not %r" % (rows,))
        return self._next(self._jreader.batchRows(rows))

    def output_prefix(self, prefix):
        return self._next(self._jreader.outputPrefix(prefix))

    def format(self, source):
        return self._next(self._jreader.format(source))

    def option(self, key, value):
        """A read option; values are passed as strings, as DataFrameReader.option does (True -> "true")."""
        return self._next(self._jreader.option(key, _option_string(value)))

    def options(self, **options):
        reader = self
        for key, value in options.items():
            reader = reader.option(key, value)
        return reader

    def schema(self, schema):
        """The input's schema: a DDL string ("id BIGINT, input ARRAY<FLOAT>") or a pyspark StructType."""
        if isinstance(schema, str):
            return self._next(self._jreader.schema(schema))
        return self._next(self._jreader.schemaJson(schema.json()))

    def load(self, path=None, format=None, **options):
        reader = self.format(format) if format else self
        reader = reader.options(**options) if options else reader
        if path is None:
            jdf = reader._jreader.load()
        elif isinstance(path, str):
            jdf = reader._jreader.load(path)
        else:
            jdf = reader._jreader.load(list(path))  # py4j: a Python list is a java.util.List
        return _data_frame(jdf, self._spark)

    def table(self, name):
        return _data_frame(self._jreader.table(name), self._spark)

    def parquet(self, *paths):
        return self.format("parquet").load(paths[0] if len(paths) == 1 else list(paths))

    def json(self, *paths):
        return self.format("json").load(paths[0] if len(paths) == 1 else list(paths))

    def csv(self, *paths):
        return self.format("csv").load(paths[0] if len(paths) == 1 else list(paths))


def _option_string(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _data_frame(jdf, session):
    """A Python DataFrame over a JVM Dataset: PySpark 3.5 takes the session (or its SQLContext) as the
    second argument; 4.x's classic DataFrame likewise."""
    try:
        from pyspark.sql.classic.dataframe import DataFrame  # PySpark 4
    except ImportError:
        from pyspark.sql import DataFrame  # PySpark 3.5
    return DataFrame(jdf, session)
