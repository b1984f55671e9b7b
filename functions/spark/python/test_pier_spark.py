"""pier_spark against a recording stand-in of PySpark's py4j JVM view (no PySpark or py4j here): checks which JVM
calls the wrapper makes for its arguments and what it refuses in Python. Not a test of py4j or of PySpark itself:
run with /usr/bin/python3 -m unittest discover -s functions/spark/python."""

import sys
import types
import unittest


class Recorder:
    """A py4j-like JVM view: attribute chains are names, calls are recorded and return new recorders."""

    def __init__(self, log, name):
        self._log, self._name = log, name

    def __getattr__(self, attr):
        return Recorder(self._log, self._name + "." + attr)

    def __call__(self, *args):
        self._log.append((self._name, args))
        return Recorder(self._log, "<" + self._name + ">")


class FakeDataFrame:
    def __init__(self, jdf, session):
        self.jdf, self.session = jdf, session


pyspark = types.ModuleType("pyspark")
pyspark_sql = types.ModuleType("pyspark.sql")
pyspark_sql.DataFrame = FakeDataFrame
sys.modules.setdefault("pyspark", pyspark)
sys.modules.setdefault("pyspark.sql", pyspark_sql)

import pier_spark  # noqa: E402


class ScoreTest(unittest.TestCase):
    def frame(self):
        log = []
        session = types.SimpleNamespace(_jvm=Recorder(log, "jvm"))
        return types.SimpleNamespace(sparkSession=session, _jdf="JDF"), log

    def test_defaults_score_with_the_environments_options(self):
        df, log = self.frame()
        out = pier_spark.score(df, "fraud@production")
        self.assertEqual([name for name, _ in log], [
            "jvm.dev.pier.spark.ScoringOptions.fromEnvironment", "jvm.dev.pier.spark.PierSpark.score"])
        self.assertEqual(log[1][1][0], "JDF")
        self.assertEqual(log[1][1][1], "fraud@production")
        self.assertEqual(log[1][1][2]._name, "<jvm.dev.pier.spark.ScoringOptions.fromEnvironment>")
        self.assertIsInstance(out, FakeDataFrame)
        self.assertIs(out.session, df.sparkSession)

    def test_options_map_onto_the_jvm_options(self):
        df, log = self.frame()
        pier_spark.score(df, "fraud/3", fail_on_error=True, batch_rows=256, output_prefix="p_")
        self.assertEqual([(name.rsplit(".", 1)[-1], args) for name, args in log[1:4]],
                         [("withFailOnError", (True,)), ("withBatchRows", (256,)), ("withOutputPrefix", ("p_",))])
        self.assertEqual(log[4][0], "jvm.dev.pier.spark.PierSpark.score")

    def test_bad_arguments_are_refused_before_the_jvm_is_called(self):
        df, log = self.frame()
        with self.assertRaisesRegex(ValueError, "reference must name a version"):
            pier_spark.score(df, "")
        with self.assertRaisesRegex(ValueError, "batch_rows must be a positive integer, not 0"):
            pier_spark.score(df, "fraud/3", batch_rows=0)
        self.assertEqual(log, [])


class ReadTest(unittest.TestCase):
    def session(self):
        log = []
        return types.SimpleNamespace(_jvm=Recorder(log, "jvm"), _jsparkSession="JSESSION"), log

    def test_a_reader_forwards_each_call_to_the_jvm_reader_it_returned(self):
        spark, log = self.session()
        out = (pier_spark.read(spark).model("fraud@production").batch_rows(256).fail_on_error()
               .option("mergeSchema", True).options(pathGlobFilter="*.parquet").parquet("s3://b/rows/"))
        self.assertEqual([(name.split(">")[-1] or name, args) for name, args in log], [
            ("jvm.dev.pier.spark.PierSpark.read", ("JSESSION",)),
            (".model", ("fraud@production",)), (".batchRows", (256,)), (".failOnError", (True,)),
            (".option", ("mergeSchema", "true")), (".option", ("pathGlobFilter", "*.parquet")),
            (".format", ("parquet",)), (".load", ("s3://b/rows/",))])
        # each call is made on the reader the previous one returned (readers are immutable on the JVM side)
        for (previous, _), (name, _) in zip(log[1:], log[2:]):
            self.assertEqual(name.rsplit(".", 1)[0], "<" + previous + ">")
        self.assertIsInstance(out, FakeDataFrame)
        self.assertIs(out.session, spark)

    def test_several_paths_go_as_one_list_and_a_struct_schema_as_its_json(self):
        spark, log = self.session()
        struct = types.SimpleNamespace(json=lambda: '{"type":"struct","fields":[]}')
        pier_spark.read(spark).model("fraud/3").schema(struct).json("a.jsonl", "b.jsonl")
        pier_spark.read(spark).model("fraud/3").schema("id BIGINT").load(format="csv", header=True)
        calls = [(name.split(">")[-1] or name, args) for name, args in log]
        self.assertIn((".schemaJson", ('{"type":"struct","fields":[]}',)), calls)
        self.assertIn((".load", (["a.jsonl", "b.jsonl"],)), calls)
        self.assertEqual(calls[-4:], [(".schema", ("id BIGINT",)), (".format", ("csv",)),
                                      (".option", ("header", "true")), (".load", ())])

    def test_bad_arguments_are_refused_before_the_jvm_reader_is_called(self):
        spark, log = self.session()
        reader = pier_spark.read(spark)
        with self.assertRaisesRegex(ValueError, "reference must name a version"):
            reader.model("")
        with self.assertRaisesRegex(ValueError, "batch_rows must be a positive integer, not 0"):
            reader.batch_rows(0)
        self.assertEqual([name for name, _ in log], ["jvm.dev.pier.spark.PierSpark.read"])


if __name__ == "__main__":
    unittest.main()
