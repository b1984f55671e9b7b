// The TypeScript SDK against a running Pier (PIER_URL, default http://127.0.0.1:8080): run with `npm test`, which
// builds dist/ with tsc first. dev.pier.tests.ClientsTest runs it against ./pier up inside ./pier test.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { FeatureStore, PierApiError } from "../dist/index.js";

const store = new FeatureStore(process.env.PIER_URL ?? "http://127.0.0.1:8080");
const seconds = (offsetMs) => new Date(Math.floor((Date.now() + offsetMs) / 1000) * 1000).toISOString()
  .replace(".000Z", "Z");

/** Two views on one entity: stats (online) and labels (offline only: its pushed files are entity rows). */
function document(s) {
  const parquet = (name) => ({ name: `${name}_src_${s}`, kind: "parquet", path: `s3://pier-batch/ts/${s}/${name}/`,
    timestamp_field: "event_timestamp" });
  return {
    entities: [{ name: `rider_${s}`, join_keys: [`rider_id_${s}`], value_type: "INT64" }],
    sources: [parquet("stats"), { name: `stats_push_${s}`, kind: "push", batch_source: `stats_src_${s}` },
      parquet("labels"), { name: `labels_push_${s}`, kind: "push", batch_source: `labels_src_${s}` }],
    feature_views: [
      { name: `stats_${s}`, entities: [`rider_${s}`], ttl: "1d", source: `stats_push_${s}`, online: true,
        schema: [{ name: "conv_rate", dtype: "FLOAT64" }, { name: "trips", dtype: "INT64" }] },
      { name: `labels_${s}`, entities: [`rider_${s}`], ttl: "1d", source: `labels_push_${s}`, online: false,
        schema: [{ name: "label", dtype: "INT64" }] }],
    feature_services: [{ name: `activity_${s}`, features: [`stats_${s}:conv_rate`, `stats_${s}:trips`] }],
  };
}

test("plans, applies, pushes, and reads online and point in time", async () => {
  const s = randomUUID().slice(0, 8);
  const key = `rider_id_${s}`;
  const plan = await store.plan(document(s));
  assert.equal(plan.applied, false);
  assert.ok(plan.changes.some((c) => c.kind === "feature_view" && c.name === `stats_${s}` && c.action === "create"));
  const applied = await store.apply(document(s));
  assert.equal(applied.applied, true);
  assert.equal(applied.changes.length, 8);
  assert.deepEqual([...new Set((await store.apply(document(s), { dryRun: true })).changes.map((c) => c.action))],
    ["unchanged"]);

  const now = seconds(0);
  const later = seconds(3600_000);
  const pushed = await store.push(`stats_push_${s}`, { [key]: [1, 2], conv_rate: [0.5, 0.25], trips: [7, 9],
    event_timestamp: [now, now] }, "online_and_offline");
  assert.equal(pushed.rows, 2);
  assert.deepEqual(pushed.written_online, { [`stats_${s}`]: 2 });
  assert.match(pushed.offline_object, new RegExp(`^s3://pier-batch/ts/${s}/stats/.*\\.parquet$`));

  const online = await store.getOnlineFeatures({ entities: { [key]: [1, 2, 3] }, featureService: `activity_${s}` });
  assert.deepEqual(online.metadata.feature_names, [key, "conv_rate", "trips"]);
  assert.deepEqual(online.results[1].values, [0.5, 0.25, null]);
  assert.deepEqual(online.results[1].statuses, ["PRESENT", "PRESENT", "NOT_FOUND"]);
  assert.deepEqual(online.results[2].event_timestamps.slice(0, 2), [now, now]);
  const byName = await store.getOnlineFeatures({ entities: { [key]: [2] }, features: [`stats_${s}:trips`],
    fullFeatureNames: true });
  assert.deepEqual(byName.metadata.feature_names, [key, `stats_${s}__trips`]);
  assert.deepEqual(byName.results[1].values, [9]);

  const before = seconds(-86400_000);
  const historical = await store.getHistoricalFeatures({ featureService: `activity_${s}`, entityRows: [
    { [key]: 1, event_timestamp: later, label: 1 }, { [key]: 1, event_timestamp: before, label: 0 }] });
  assert.deepEqual(historical, { feature_names: ["conv_rate", "trips"], rows: [
    { [key]: 1, event_timestamp: later, label: 1, conv_rate: 0.5, trips: 7 },
    { [key]: 1, event_timestamp: before, label: 0, conv_rate: null, trips: null }] });

  await store.push(`labels_push_${s}`, { [key]: [1, 2, 3], label: [1, 0, 1], event_timestamp: [later, later, later] },
    "offline");
  const output = `s3://pier-batch/ts/${s}/training/rows.parquet`;
  const file = await store.getHistoricalFeatures({ features: [`stats_${s}:trips`], fullFeatureNames: true,
    entitySource: `s3://pier-batch/ts/${s}/labels/`, output });
  assert.deepEqual(file, { output, rows: 3, feature_names: [`stats_${s}__trips`] });
});

test("a refusal rejects with PierApiError carrying the status and the server's message", async () => {
  const s = randomUUID().slice(0, 8);
  await assert.rejects(store.apply(`entities:\n  - {name: e_${s}, join_keys: [k], bogus: 1}\n`), (e) => {
    assert.ok(e instanceof PierApiError);
    assert.equal(e.status, 400);
    assert.match(e.detail, /bogus/);
    return true;
  });
  await assert.rejects(store.push(`no_push_${s}`, { x: [1] }), (e) => {
    assert.ok(e instanceof PierApiError);
    assert.equal(e.status, 404);
    assert.equal(e.detail, `push source 'no_push_${s}' does not exist`);
    return true;
  });
});
