"""The feature store, monitoring, experiments and training through the client, against a running Pier.

Same environment as test_client.py, plus PIER_LOCAL_ENV (the data directory's local.env) for the S3 stand-in that the
training test puts its dataset into.
"""

import datetime
import os
import random
import unittest
import uuid

from pier_client import Client, PierError, Tensor

from local_s3 import put_object

FIXTURES = os.environ.get("PIER_FIXTURES", "tests/fixtures/models")
IRIS = [[5.1, 3.5, 1.4, 0.2], [4.9, 3.0, 1.4, 0.2], [7.0, 3.2, 4.7, 1.4], [6.4, 3.2, 4.5, 1.5],
        [6.3, 3.3, 6.0, 2.5], [5.8, 2.7, 5.1, 1.9]]


def suffix():
    return uuid.uuid4().hex[:8]


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class FeaturesTest(unittest.TestCase):
    pier = Client()

    def test_plans_applies_pushes_and_reads_online_features_and_lists_the_view(self):
        s = suffix()
        entity, view, push, service = f"rider_{s}", f"rider_stats_{s}", f"rider_push_{s}", f"rider_activity_{s}"
        key = f"rider_id_{s}"
        document = {
            "entities": [{"name": entity, "join_keys": [key], "value_type": "INT64"}],
            "sources": [{"name": f"rider_stats_src_{s}", "kind": "parquet",
                         "path": f"s3://pier-batch/features/{s}/", "timestamp_field": "event_timestamp"},
                        {"name": push, "kind": "push", "batch_source": f"rider_stats_src_{s}"},
                        {"name": f"rider_labels_src_{s}", "kind": "parquet",
                         "path": f"s3://pier-batch/features/{s}-labels/", "timestamp_field": "event_timestamp"},
                        {"name": f"rider_labels_push_{s}", "kind": "push", "batch_source": f"rider_labels_src_{s}"}],
            "feature_views": [{"name": view, "entities": [entity], "ttl": "1d", "source": push, "online": True,
                               "schema": [{"name": "conv_rate", "dtype": "FLOAT64"},
                                          {"name": "trips", "dtype": "INT64"}],
                               "tags": {"team": f"py{s}"}, "owner": "py@example.com"},
                              # offline only: its pushed Parquet files are entity rows (key, event_timestamp, label)
                              {"name": f"rider_labels_{s}", "entities": [entity], "ttl": "1d",
                               "source": f"rider_labels_push_{s}", "online": False,
                               "schema": [{"name": "label", "dtype": "INT64"}]}],
            "feature_services": [{"name": service, "features": [f"{view}:conv_rate", f"{view}:trips"]}],
        }
        plan = self.pier.features.plan(document)
        self.assertFalse(plan["applied"])
        self.assertIn({"kind": "feature_view", "name": view, "action": "create"},
                      [{k: c[k] for k in ("kind", "name", "action")} for c in plan["changes"]])
        self.assertEqual(self.pier.features.list_views(q=view), [])
        self.assertTrue(self.pier.features.apply(document)["applied"])

        t = now()
        self.pier.features.push(push, {key: [1, 2], "conv_rate": [0.5, 0.25], "trips": [7, 9],
                                       "event_timestamp": [t, t]}, to="online_and_offline")
        online = self.pier.features.get_online_features({key: [1, 2, 3]}, feature_service=service)
        self.assertEqual(online["metadata"]["feature_names"], [key, "conv_rate", "trips"])
        self.assertEqual(online["results"][1]["values"], [0.5, 0.25, None])
        self.assertEqual(online["results"][1]["statuses"], ["PRESENT", "PRESENT", "NOT_FOUND"])
        by_name = self.pier.features.get_online_features({key: [2]}, features=[f"{view}:trips"],
                                                         full_feature_names=True)
        self.assertEqual(by_name["metadata"]["feature_names"], [key, f"{view}__trips"])
        self.assertEqual(by_name["results"][1]["values"], [9])

        later = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
        historical = self.pier.features.get_historical_features(
            [{key: 1, "event_timestamp": later, "label": 1}], feature_service=service)
        self.assertEqual(historical["rows"], [{key: 1, "event_timestamp": later, "label": 1, "conv_rate": 0.5,
                                               "trips": 7}])
        self.pier.features.push(f"rider_labels_push_{s}", {key: [1, 2, 3], "label": [1, 0, 1],
                                                           "event_timestamp": [later, later, later]}, to="offline")
        output = f"s3://pier-batch/features/{s}-training/rows.parquet"
        written = self.pier.features.get_historical_features(
            features=[f"{view}:trips"], entity_source=f"s3://pier-batch/features/{s}-labels/", output=output)
        self.assertEqual(written, {"output": output, "rows": 3, "feature_names": ["trips"]})

        views = self.pier.features.list_views(tag=f"team:py{s}")
        self.assertEqual([v["name"] for v in views], [view])
        self.assertEqual(views[0]["feature_services"], [service])
        self.assertEqual(self.pier.features.view(view)["versions"][0]["version"], 1)

    def test_a_bad_push_and_a_bad_document_raise_pier_error_naming_the_problem(self):
        with self.assertRaises(PierError) as e:
            self.pier.features.push("no_such_push_" + suffix(), {"x": [1]})
        self.assertIn(e.exception.status, (400, 404))
        with self.assertRaises(PierError) as e:
            self.pier.features.apply("entities:\n  - {name: e_" + suffix() + ", join_keys: [k], bogus: 1}\n")
        self.assertEqual(e.exception.status, 400)
        self.assertIn("bogus", e.exception.message)


class MonitorsTest(unittest.TestCase):
    pier = Client()

    def test_creates_runs_lists_and_deletes_a_monitor_over_captured_predictions(self):
        name = "py-mon-" + suffix()
        self.pier.models.register(name, os.path.join(FIXTURES, "iris-mlp.onnx"), framework="onnx",
                                  capture={"sample_rate": 1})
        self.pier.models.set_alias(name, "production", 1)
        request_ids = []
        for i, row in enumerate(IRIS * 3):
            rid = f"py-{suffix()}-{i}"
            self.pier.infer(name, [Tensor("input", "FP32", [1, 4], row)], headers={"X-Request-Id": rid})
            request_ids.append(rid)
        reference = [{f"input[{j}]": v for j, v in enumerate(row)} for row in IRIS]
        for r, label in zip(reference, [0, 0, 1, 1, 2, 2]):
            r["label"] = label
        monitor = self.pier.monitors.create({
            "model": name, "version": "production", "window": "1h", "task": "multiclass_classification",
            "prediction": "label", "checks": {"column_drift": True}, "reference": {"rows": reference}})
        self.assertEqual(monitor["version"], 1)
        self.assertEqual(monitor["reference"]["rows"], 6)
        self.assertIn(monitor["id"], [m["id"] for m in self.pier.monitors.list()])
        self.assertEqual(self.pier.monitors.get(monitor["id"])["window"], "PT1H")
        self.assertEqual(self.pier.monitors.update(monitor["id"], {"window": "2h"})["window"], "PT2H")

        labels = [0, 0, 1, 1, 2, 2] * 3
        accepted = self.pier.monitors.feedback([{"request_id": rid, "row": 0, "label": label}
                                                for rid, label in zip(request_ids, labels)])
        self.assertEqual(accepted, len(request_ids))
        run = self.pier.monitors.run(monitor["id"])
        self.assertEqual(run["rows"], len(request_ids))
        self.assertEqual(run["performance"]["labelled"], len(request_ids))
        self.assertIn("input[2]", run["data_drift"]["columns"])
        self.assertEqual([r["run_id"] for r in self.pier.monitors.runs(monitor["id"])], [run["run_id"]])
        self.assertEqual(self.pier.monitors.get_run(monitor["id"], run["run_id"])["rows"], run["rows"])
        self.assertIn("<html", self.pier.monitors.report(monitor["id"], run["run_id"]).lower())

        self.pier.monitors.delete(monitor["id"])
        with self.assertRaises(PierError) as e:
            self.pier.monitors.get(monitor["id"])
        self.assertEqual(e.exception.status, 404)

    def test_bad_feedback_is_a_400_naming_each_problem(self):
        with self.assertRaises(PierError) as e:
            self.pier.monitors.feedback([{"request_id": "a", "label": [1]}, {"label": 2}])
        self.assertEqual(e.exception.status, 400)
        self.assertIn("items[1].request_id", e.exception.message)


class ExperimentsTest(unittest.TestCase):
    pier = Client()

    def test_designs_starts_counts_and_stops_an_experiment(self):
        name = "py-exp-" + suffix()
        for _ in range(2):
            self.pier.models.register(name, os.path.join(FIXTURES, "iris-mlp.onnx"), framework="onnx")
        self.pier.models.set_alias(name, "production", 1)
        experiment = self.pier.experiments.create({
            "name": name, "hypothesis": "v2 converts better", "model": name, "alias": "production",
            "arms": [{"name": "control", "version": 1, "weight": 0.5},
                     {"name": "treatment", "version": 2, "weight": 0.5}],
            "unit": "user", "metrics": {"primary": {"name": f"conversion_{name}", "type": "binary"}},
            "design": {"alpha": 0.05, "power": 0.8, "mde": 0.05, "baseline": 0.1}})
        self.assertEqual(experiment["state"], "draft")
        self.assertEqual(experiment["sample_size_per_arm"], 57763)
        eid = experiment["id"]
        self.assertEqual(self.pier.experiments.start(eid)["state"], "running")
        self.assertEqual(self.pier.experiments.start(eid)["state"], "running")  # idempotent
        self.assertIn(eid, [e["id"] for e in self.pier.experiments.list(model=name, state="running")])

        t = now()
        self.pier.experiments.exposures(eid, [{"unit": "u1", "arm": "control", "timestamp": t},
                                              {"unit": "u2", "arm": "treatment", "timestamp": t}])
        events = self.pier.experiments.events([{"unit": "u2", "metric": f"conversion_{name}", "value": 1,
                                                "timestamp": t}])
        self.assertEqual(events["experiments"], [eid])
        results = self.pier.experiments.results(eid)
        self.assertEqual({a["arm"]: a["units"] for a in results["arms"]}, {"control": 1, "treatment": 1})

        self.assertEqual(self.pier.experiments.analyze(eid)["action"], "CONTINUE")  # a day's data, min_days 7
        self.assertIsInstance(self.pier.experiments.decisions(eid), list)
        self.assertEqual(self.pier.experiments.pause(eid)["state"], "paused")
        self.assertEqual(self.pier.experiments.stop(eid)["state"], "stopped")
        with self.assertRaises(PierError) as e:
            self.pier.experiments.start(eid)
        self.assertEqual(e.exception.status, 409)

    def test_a_flag_is_created_and_evaluated_by_the_server(self):
        key = "py-flag-" + suffix()
        self.pier.flags.create({
            "key": key, "type": "boolean", "variants": {"on": True, "off": False},
            "rules": [{"conditions": [{"attribute": "country", "operator": "in", "values": ["NL", "BE"]}],
                       "serve": {"variant": "on"}}],
            "default": {"variant": "off"}})
        self.assertEqual(self.pier.flags.evaluate(key, "user-42", {"country": "NL"})["value"], True)
        self.assertEqual(self.pier.flags.evaluate(key, "user-42", {"country": "FR"})["variant"], "off")
        self.assertIn(key, [f["key"] for f in self.pier.flags.list()])


class TrainingTest(unittest.TestCase):
    pier = Client()

    def test_records_a_dataset_trains_registers_and_lists_the_job(self):
        s = suffix()
        rnd = random.Random(7)
        lines = ["tenure,spend,label"]
        for _ in range(120):
            t, sp = rnd.random(), rnd.random()
            lines.append(f"{t:.4f},{sp:.4f},{1 if t + sp + (rnd.random() - 0.5) / 2 > 1 else 0}")
        put_object(f"s3://pier-batch/datasets/py-{s}/part-0.csv", ("\n".join(lines) + "\n").encode())
        dataset = self.pier.training.record_dataset(f"py-{s}", f"s3://pier-batch/datasets/py-{s}/")
        self.assertEqual(dataset["rows"], 120)
        self.assertEqual(self.pier.training.dataset_versions(f"py-{s}")[0]["version"], dataset["version"])

        job = self.pier.training.submit({
            "name": f"py-{s}", "project": "py", "dataset": f"py-{s}", "label": "label",
            "params": {"objective": "binary:logistic", "num_round": 5}, "metric": "auc",
            "split": {"holdout": 0.2}, "cv": {"folds": 2},
            "tuning": {"strategy": "random", "max_trials": 2, "parallel": 2,
                       "space": {"max_depth": {"type": "int", "low": 2, "high": 3}}},
            "register": {"model": f"py-{s}", "alias": "staging"}, "seed": 7})
        done = self.pier.training.wait(job["id"], timeout=300)
        self.assertEqual(done["state"], "SUCCEEDED", done.get("error"))
        self.assertEqual(len(done["trials"]["items"]), 2)
        self.assertEqual(done["registered"]["model"], f"py-{s}")
        self.assertEqual(self.pier.models.alias(f"py-{s}", "staging")["version"], done["registered"]["version"])
        self.assertIn(job["id"], [j["id"] for j in self.pier.training.list(project="py")])
        with self.assertRaises(PierError) as e:
            self.pier.training.cancel(job["id"])
        self.assertEqual(e.exception.status, 409)

    def test_a_job_on_an_unknown_dataset_is_refused_and_made_no_job(self):
        with self.assertRaises(PierError) as e:
            self.pier.training.submit({"name": "py-bad", "dataset": "no-such-dataset-" + suffix(), "label": "y",
                                       "params": {"objective": "binary:logistic", "num_round": 2}})
        self.assertEqual(e.exception.status, 400)
        self.assertIn("no-such-dataset", e.exception.message)


if __name__ == "__main__":
    unittest.main()
