// The SDK's assignment against the values the server's UnitHashTest pins (no server needed).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { arm, position, unitHash } from "../dist/index.js";

const pinned = JSON.parse(readFileSync(new URL(
  "../../../experiment-functions/src/test/resources/assignment/unit_hash.json", import.meta.url), "utf8"));

test("hash, position and arm equal the server's pinned values", () => {
  assert.ok(pinned.length >= 8);
  for (const c of pinned) {
    assert.equal(unitHash(c.seed, c.unit), BigInt(c.hash), `${c.seed}/${c.unit}`);
    assert.equal(position(c.seed, c.unit), c.position, `${c.seed}/${c.unit}`);
    assert.equal(arm(c.seed, c.unit, ["control", "treatment"], [0.5, 0.5]), c.arm, `${c.seed}/${c.unit}`);
  }
});

test("weights lay the arms out in order", () => {
  let a = 0;
  for (let i = 0; i < 10_000; i++) {
    if (arm("seed-1", `u${i}`, ["a", "b"], [0.2, 0.8]) === "a") a++;
  }
  assert.ok(Math.abs(a / 10_000 - 0.2) < 0.02, `share ${a / 10_000}`);
  assert.equal(arm("seed-1", "u1", ["only"], [1.0]), "only");
  assert.throws(() => arm("seed-1", "u1", ["a", "b"], [1.0]), RangeError);
});
