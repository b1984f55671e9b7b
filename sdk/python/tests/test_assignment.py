"""The SDK's assignment against the values the server's UnitHashTest pins (no server needed).

    PYTHONPATH=sdk/python/src python3 -m unittest sdk/python/tests/test_assignment.py
"""

import json
import os
import unittest

from pier_client.assignment import arm, position, unit_hash

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PINNED = os.path.join(ROOT, "experiment-functions", "src", "test", "resources", "assignment", "unit_hash.json")


class AssignmentTest(unittest.TestCase):
    def test_hash_position_and_arm_equal_the_servers_pinned_values(self):
        with open(PINNED, encoding="utf-8") as f:
            cases = json.load(f)
        self.assertGreaterEqual(len(cases), 8)
        for c in cases:
            with self.subTest(seed=c["seed"], unit=c["unit"]):
                self.assertEqual(unit_hash(c["seed"], c["unit"]), int(c["hash"]))
                self.assertEqual(position(c["seed"], c["unit"]), c["position"])
                self.assertEqual(arm(c["seed"], c["unit"], ["control", "treatment"], [0.5, 0.5]), c["arm"])

    def test_weights_lay_the_arms_out_in_order(self):
        units = ["u%d" % i for i in range(10_000)]
        share = sum(arm("seed-1", u, ["a", "b"], [0.2, 0.8]) == "a" for u in units) / len(units)
        self.assertAlmostEqual(share, 0.2, delta=0.02)
        self.assertEqual(arm("seed-1", "u1", ["only"], [1.0]), "only")
        with self.assertRaises(ValueError):
            arm("seed-1", "u1", ["a", "b"], [1.0])


if __name__ == "__main__":
    unittest.main()
