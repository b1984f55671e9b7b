"""Pier's experiment assignment, the same in the server, the OpenFeature provider and this SDK.

A unit's arm is a pure function of the experiment's ``seed`` (in its JSON) and the unit id: the 64-bit FNV-1a hash of
``utf8(seed) + b"\\0" + utf8(unit)``, finalized with SplitMix64's mixer; the unit's position ``(h >> 11) / 2**53`` in
[0, 1) falls into the arms' weights laid out in order (``dev.pier.experiments.assignment.Allocation``). Clients that
assign themselves report exposures with ``Client.experiments.exposures``.

    from pier_client.assignment import arm
    exp = pier.experiments.get("exp-835b5d774f59")
    arm(exp["seed"], "user-42", [a["name"] for a in exp["arms"]], [a["weight"] for a in exp["arms"]])
"""

_M = (1 << 64) - 1


def unit_hash(seed: str, unit: str) -> int:
    """The unit's 64-bit hash under ``seed`` (unsigned)."""
    h = 0xCBF29CE484222325
    for b in seed.encode("utf-8") + b"\0" + unit.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & _M
    h = ((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9) & _M
    h = ((h ^ (h >> 27)) * 0x94D049BB133111EB) & _M
    return h ^ (h >> 31)


def position(seed: str, unit: str) -> float:
    """The unit's position in [0, 1) under ``seed``."""
    return (unit_hash(seed, unit) >> 11) * 2.0 ** -53


def arm(seed: str, unit: str, arms, weights) -> str:
    """The arm (of ``arms``, weights summing to 1, control first) the unit falls into."""
    if len(arms) != len(weights) or not arms:
        raise ValueError("arms and weights must be non-empty lists of the same length")
    u, upper = position(seed, unit), 0.0
    for name, w in zip(arms[:-1], weights[:-1]):
        upper += w
        if u < upper:
            return name
    return arms[-1]
