#!/usr/bin/python3
"""Fixtures for HistoricalRetrievalTest, and the expected answer computed independently with pandas.merge_asof.

Run with Debian's python3 (apt-get install -y python3-pandas): /usr/bin/python3 generate.py
Writes driver_stats.csv, customer_profile.csv, entity_rows.csv and expected.csv next to this script.

Feast's point-in-time rule, as its offline stores' SQL templates state it: for each entity row and view, the feature
row of the same key with the greatest event_timestamp <= the row's event_timestamp and >= that time - ttl (no lower
bound for ttl 0); among feature rows with the same event_timestamp, the greatest created timestamp.
"""
import os

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(14)
T0 = pd.Timestamp("2026-12-01 00:00:00")
DRIVER_TTL = pd.Timedelta(hours=2)


def minutes(n):
    return pd.to_timedelta(n, unit="m")


# driver_hourly_stats: 4 drivers with rows (driver 4 has none), random times over a day, with deliberate ties
drivers = []
for d in (1, 2, 3, 5):
    times = np.sort(rng.choice(24 * 60, size=12, replace=False))
    for t in times:
        drivers.append({"driver_id": d, "event_timestamp": T0 + minutes(t), "created": T0 + minutes(t + 1),
                        "conv_rate": round(float(rng.random()), 6), "trips": int(rng.integers(0, 100))})
driver_stats = pd.DataFrame(drivers)
# ties: the same event time written twice, the later created must win (and it is listed first, so order cannot help)
tie_time = T0 + minutes(600)
driver_stats = pd.concat([pd.DataFrame([
    {"driver_id": 1, "event_timestamp": tie_time, "created": T0 + minutes(700), "conv_rate": 0.777, "trips": 77},
    {"driver_id": 1, "event_timestamp": tie_time, "created": T0 + minutes(650), "conv_rate": 0.111, "trips": 11},
]), driver_stats], ignore_index=True)

# customer_profile: ttl 0 (no bound), no created column
customers = []
for c in (10, 11, 12):
    for t in np.sort(rng.choice(24 * 60, size=5, replace=False)):
        customers.append({"customer_id": c, "event_timestamp": T0 + minutes(t), "score": round(float(rng.random()), 6)})
customer_profile = pd.DataFrame(customers)

# entity rows: random times, plus exact matches, the ttl boundary, before any row, a driver with no rows, duplicates
rows = []
for i in range(40):
    rows.append({"driver_id": int(rng.choice([1, 2, 3, 4, 5])), "customer_id": int(rng.choice([10, 11, 12, 13])),
                 "event_timestamp": T0 + minutes(int(rng.integers(0, 26 * 60))), "label": int(rng.integers(0, 2))})
first = driver_stats[driver_stats.driver_id == 2].sort_values("event_timestamp").iloc[3]
rows.append({"driver_id": 2, "customer_id": 10, "event_timestamp": first.event_timestamp, "label": 1})  # exact match
rows.append({"driver_id": 2, "customer_id": 10, "event_timestamp": first.event_timestamp + DRIVER_TTL, "label": 0})  # boundary: in
rows.append({"driver_id": 2, "customer_id": 10,
             "event_timestamp": first.event_timestamp + DRIVER_TTL + pd.Timedelta(seconds=1), "label": 0})
rows.append({"driver_id": 1, "customer_id": 11, "event_timestamp": tie_time, "label": 1})  # the tie
rows.append({"driver_id": 3, "customer_id": 12, "event_timestamp": T0 - minutes(5), "label": 0})  # before any row
rows.append(dict(rows[0]))  # a duplicate entity row stays a row
entity_rows = pd.DataFrame(rows)


def pit(entity, features, key, ttl, created=None):
    f = features
    if created is not None:
        f = f.sort_values([key, "event_timestamp", created]).drop_duplicates([key, "event_timestamp"], keep="last")
    f = f.rename(columns={"event_timestamp": "_fts"}).sort_values("_fts")
    e = entity.reset_index().rename(columns={"index": "_row"}).sort_values("event_timestamp")
    kwargs = {} if ttl is None else {"tolerance": ttl}
    j = pd.merge_asof(e, f, left_on="event_timestamp", right_on="_fts", by=key, direction="backward",
                      allow_exact_matches=True, **kwargs)
    return j.sort_values("_row").set_index("_row")


d = pit(entity_rows, driver_stats, "driver_id", DRIVER_TTL, "created")
c = pit(entity_rows, customer_profile, "customer_id", None)
expected = entity_rows.copy()
expected["conv_rate"] = d["conv_rate"].values
expected["trips"] = d["trips"].astype("Int64").values
expected["score"] = c["score"].values

fmt = "%Y-%m-%d %H:%M:%S"
driver_stats.to_csv(os.path.join(HERE, "driver_stats.csv"), index=False, date_format=fmt)
customer_profile.to_csv(os.path.join(HERE, "customer_profile.csv"), index=False, date_format=fmt)
entity_rows.to_csv(os.path.join(HERE, "entity_rows.csv"), index=False, date_format=fmt)
expected.to_csv(os.path.join(HERE, "expected.csv"), index=False, date_format=fmt)
print(len(driver_stats), "driver rows,", len(customer_profile), "customer rows,", len(entity_rows), "entity rows,",
      int(expected.conv_rate.isna().sum()), "without driver features,", int(expected.score.isna().sum()),
      "without customer features")
