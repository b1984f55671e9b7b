#!/usr/bin/python3
"""Reference implementation of Pier's unit hash (dev.pier.experiments.assignment.UnitHash), standard library only.

SDKs port these few lines; UnitHashTest pins the values this script prints (unit_hash.json). Regenerate with:

    /usr/bin/python3 experiment-functions/src/test/resources/assignment/unit_hash.py
"""
import json
import os

M = (1 << 64) - 1


def unit_hash(seed: str, unit: str) -> int:
    h = 0xCBF29CE484222325
    for b in seed.encode() + b"\0" + unit.encode():
        h = ((h ^ b) * 0x100000001B3) & M
    h = ((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9) & M
    h = ((h ^ (h >> 27)) * 0x94D049BB133111EB) & M
    return h ^ (h >> 31)


def position(seed: str, unit: str) -> float:
    return (unit_hash(seed, unit) >> 11) * 2.0**-53


def arm(seed: str, unit: str, arms, weights) -> str:
    u, upper = position(seed, unit), 0.0
    for name, w in zip(arms[:-1], weights[:-1]):
        upper += w
        if u < upper:
            return name
    return arms[-1]


if __name__ == "__main__":
    cases = []
    for seed, unit in [("exp-1", "user-1"), ("exp-1", "user-2"), ("exp-2", "user-1"), ("s", ""),
                       ("f3a9c2d1", "customer/42"), ("exp-1", "Zoë"), ("exp-1", "用户"), ("exp-1", "🙂-unit")]:
        cases.append(dict(seed=seed, unit=unit, hash=str(unit_hash(seed, unit)), position=position(seed, unit),
                          arm=arm(seed, unit, ["control", "treatment"], [0.5, 0.5])))
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "unit_hash.json")
    with open(path, "w") as f:
        json.dump(cases, f, indent=1, ensure_ascii=False)
    print(json.dumps(cases, indent=1, ensure_ascii=False))
