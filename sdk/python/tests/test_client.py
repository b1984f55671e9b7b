"""The client against a running Pier (PIER_URL; PIER_FIXTURES names tests/fixtures/models of the repository).

Run by ./pier test (tests/…/ClientsTest starts ./pier up and runs this with Debian's python3):
    PIER_URL=http://127.0.0.1:8080 PIER_FIXTURES=tests/fixtures/models PYTHONPATH=sdk/python/src \
        python3 -m unittest discover -s sdk/python/tests -v
"""

import os
import unittest
import uuid

from pier_client import Client, PierError, Tensor

FIXTURES = os.environ.get("PIER_FIXTURES", "tests/fixtures/models")
ROW = [5.1, 3.5, 1.4, 0.2]


def iris(rows=1):
    return [Tensor("input", "FP32", [rows, 4], ROW * rows)]


class ClientTest(unittest.TestCase):
    pier = Client()

    def test_the_server_is_live_and_ready_and_lists_the_demo_model(self):
        self.assertTrue(self.pier.live())
        self.assertTrue(self.pier.ready())
        self.assertIn("demo", [m["name"] for m in self.pier.models.list()])
        self.assertEqual(self.pier.server_metadata()["name"], "pier")

    def test_infers_with_json_and_with_binary_tensors_to_the_same_answer(self):
        as_json = self.pier.infer("demo", iris(3))
        as_binary = self.pier.infer("demo", iris(3), binary=True)
        self.assertTrue(as_binary.binary)
        self.assertFalse(as_json.binary)
        self.assertEqual(as_json.model_name, "demo")
        self.assertEqual(as_json.output("label").data, [0, 0, 0])
        self.assertEqual(as_binary.output("label").data, [0, 0, 0])
        for a, b in zip(as_json.output("probabilities").data, as_binary.output("probabilities").data):
            self.assertAlmostEqual(a, b, places=6)
        self.assertEqual(as_binary.output("probabilities").shape, [3, 3])

    def test_registers_a_version_moves_an_alias_and_serves_it(self):
        name = "py-" + uuid.uuid4().hex[:8]
        v = self.pier.models.register(name, os.path.join(FIXTURES, "iris-mlp.onnx"), framework="onnx",
                                      tags={"client": "python"})
        self.assertEqual(v["version"], 1)
        self.pier.models.set_alias(name, "production", 1)
        self.assertEqual(self.pier.models.alias(name, "production")["version"], 1)
        self.assertEqual(self.pier.infer(name, iris()).model_version, "1")
        self.assertEqual(self.pier.infer(name, iris(), version="1").output("label").data, [0])

    def test_a_bad_request_raises_pier_error_with_the_status_and_the_servers_message(self):
        with self.assertRaises(PierError) as e:
            self.pier.infer("demo", [Tensor("input", "FP32", [1, 3], [1.0, 2.0, 3.0])])
        self.assertEqual(e.exception.status, 400)
        self.assertIn("input", e.exception.message)
        with self.assertRaises(PierError) as e:
            self.pier.models.get("no-such-model-" + uuid.uuid4().hex[:6])
        self.assertEqual(e.exception.status, 404)

    def test_an_async_prediction_is_queued_and_answers_as_the_synchronous_one(self):
        prediction = self.pier.infer_async("demo", iris(), idempotency_key="py-" + uuid.uuid4().hex)
        result = self.pier.wait_prediction(prediction, timeout=60)
        self.assertEqual(result.output("label").data, self.pier.infer("demo", iris()).output("label").data)

    def test_a_batch_job_for_a_missing_input_is_refused_naming_it(self):
        with self.assertRaises(PierError) as e:
            self.pier.batch.submit("demo", "s3://pier-batch/in/absent-" + uuid.uuid4().hex + ".jsonl")
        self.assertEqual(e.exception.status, 400)
        self.assertIn("does not exist", e.exception.message)
        self.assertIsInstance(self.pier.batch.list(model="demo"), list)


if __name__ == "__main__":
    unittest.main()
