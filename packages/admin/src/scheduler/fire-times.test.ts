// Fire times: upstream's cron forms through croner, fixed rates as robfig's ConstantDelaySchedule, time zones and
// one daylight-saving spring-forward and fall-back (America/New_York, 2024).
import assert from "node:assert/strict";
import { test } from "node:test";
import { FixedRateUnit } from "@aloft/idl/flyteidl/admin/schedule_pb.js";
import { FireTimesFactory, fireTimesBetween } from "./fire-times.ts";

const utc = new FireTimesFactory(true);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const cron = (text: string, f = utc) => f.of({ cronExpression: text, fixedRateValue: 0, unit: 0 });
const nextN = (text: string, from: string, n: number, f = utc) => {
  const times = cron(text, f);
  const out: string[] = [];
  let t = Date.parse(from);
  for (let i = 0; i < n; i++) {
    t = times.next(t) ?? Number.NaN;
    out.push(iso(t) ?? "");
  }
  return out;
};

test("five fields, names, ?, steps, lists and the @descriptors fire in UTC by default", () => {
  assert.deepEqual(nextN("*/15 * * * *", "2024-01-01T00:00:00Z", 3), [
    "2024-01-01T00:15:00.000Z",
    "2024-01-01T00:30:00.000Z",
    "2024-01-01T00:45:00.000Z",
  ]);
  assert.deepEqual(nextN("0 9 ? * MON-FRI", "2024-01-05T10:00:00Z", 2), [
    "2024-01-08T09:00:00.000Z",
    "2024-01-09T09:00:00.000Z",
  ]);
  assert.deepEqual(nextN("0 0 1,15 JAN *", "2024-01-01T00:00:00Z", 2), [
    "2024-01-15T00:00:00.000Z",
    "2025-01-01T00:00:00.000Z",
  ]);
  // robfig: both day fields restricted → either matches (Jan 8 is a Monday, Feb 1 a first of month).
  assert.deepEqual(nextN("0 0 1 * mon", "2024-01-02T00:00:00Z", 5).slice(0, 5), [
    "2024-01-08T00:00:00.000Z",
    "2024-01-15T00:00:00.000Z",
    "2024-01-22T00:00:00.000Z",
    "2024-01-29T00:00:00.000Z",
    "2024-02-01T00:00:00.000Z",
  ]);
  assert.deepEqual(nextN("@hourly", "2024-01-01T00:30:00Z", 2), [
    "2024-01-01T01:00:00.000Z",
    "2024-01-01T02:00:00.000Z",
  ]);
  assert.deepEqual(nextN("@daily", "2024-01-01T00:00:00Z", 1), ["2024-01-02T00:00:00.000Z"]);
  assert.deepEqual(nextN("@midnight", "2024-01-01T00:00:00Z", 1), ["2024-01-02T00:00:00.000Z"]);
  assert.deepEqual(nextN("@weekly", "2024-01-01T00:00:00Z", 1), ["2024-01-07T00:00:00.000Z"]);
  assert.deepEqual(nextN("@monthly", "2024-01-01T00:00:00Z", 1), ["2024-02-01T00:00:00.000Z"]);
  assert.deepEqual(nextN("@yearly", "2024-01-01T00:00:00Z", 1), ["2025-01-01T00:00:00.000Z"]);
  assert.deepEqual(nextN("@annually", "2024-01-01T00:00:00Z", 1), ["2025-01-01T00:00:00.000Z"]);
  // The next time is strictly after the given one.
  assert.deepEqual(nextN("0 * * * *", "2024-01-01T01:00:00Z", 1), ["2024-01-01T02:00:00.000Z"]);
});

test("@every and fixed rates are constant delays from the previous time truncated to the second", () => {
  assert.deepEqual(nextN("@every 1h30m", "2024-01-01T00:00:00.700Z", 2), [
    "2024-01-01T01:30:00.000Z",
    "2024-01-01T03:00:00.000Z",
  ]);
  const rate = (value: number, unit: FixedRateUnit) => utc.of({ cronExpression: "", fixedRateValue: value, unit });
  assert.equal(
    iso(rate(5, FixedRateUnit.MINUTE).next(Date.parse("2024-01-01T00:00:10.500Z"))),
    "2024-01-01T00:05:10.000Z",
  );
  assert.equal(iso(rate(2, FixedRateUnit.HOUR).next(Date.parse("2024-01-01T00:00:00Z"))), "2024-01-01T02:00:00.000Z");
  assert.equal(iso(rate(1, FixedRateUnit.DAY).next(Date.parse("2024-01-01T00:00:00Z"))), "2024-01-02T00:00:00.000Z");
  assert.throws(() => rate(0, FixedRateUnit.MINUTE), /unsupported fixed rate/);
  assert.throws(() => cron("61 * * * *"), /above maximum/);
});

test("time zones: a TZ= prefix, and local time when useUtcTz is off", () => {
  assert.deepEqual(nextN("TZ=Asia/Kolkata 0 9 * * *", "2024-01-01T00:00:00Z", 1), ["2024-01-01T03:30:00.000Z"]);
  assert.deepEqual(nextN("CRON_TZ=Europe/Oslo @daily", "2024-01-01T00:00:00Z", 1), ["2024-01-01T23:00:00.000Z"]);
  // useUtcTz off: the process's zone (the expectation is computed with the platform's own local-time arithmetic).
  const local = new FireTimesFactory(false);
  const from = new Date(2024, 5, 1, 0, 0, 0);
  assert.equal(cron("0 9 * * *", local).next(from.getTime()), new Date(2024, 5, 1, 9, 0, 0).getTime());
});

test("daylight saving (America/New_York, 2024): spring-forward and fall-back as croner documents them", () => {
  // 2024-03-10 02:00 EST → 03:00 EDT: 02:30 does not exist that day; croner fires at the first valid instant
  // after the gap (03:00 EDT = 07:00Z), then 02:30 EDT on the following days.
  assert.deepEqual(nextN("TZ=America/New_York 30 2 * * *", "2024-03-09T12:00:00Z", 3), [
    "2024-03-10T07:00:00.000Z",
    "2024-03-11T06:30:00.000Z",
    "2024-03-12T06:30:00.000Z",
  ]);
  // An hourly schedule loses the skipped hour and never fires twice.
  assert.deepEqual(nextN("TZ=America/New_York 30 * * * *", "2024-03-10T06:00:00Z", 3), [
    "2024-03-10T06:30:00.000Z", // 01:30 EST
    "2024-03-10T07:30:00.000Z", // 03:30 EDT
    "2024-03-10T08:30:00.000Z",
  ]);
  // 2024-11-03 02:00 EDT → 01:00 EST: 01:30 happens twice; a daily 01:30 fires once, at the first (EDT) one.
  assert.deepEqual(nextN("TZ=America/New_York 30 1 * * *", "2024-11-02T12:00:00Z", 2), [
    "2024-11-03T05:30:00.000Z",
    "2024-11-04T06:30:00.000Z",
  ]);
  // An hourly schedule fires at both 01:30s (they are different instants an hour apart).
  assert.deepEqual(nextN("TZ=America/New_York 30 * * * *", "2024-11-03T04:00:00Z", 4), [
    "2024-11-03T04:30:00.000Z",
    "2024-11-03T05:30:00.000Z",
    "2024-11-03T06:30:00.000Z",
    "2024-11-03T07:30:00.000Z",
  ]);
});

test("fireTimesBetween: oldest first, (from, to], bounded to the newest `limit`", () => {
  const times = cron("* * * * *");
  const from = Date.parse("2024-01-01T00:00:00Z");
  const all = fireTimesBetween(times, from, from + 5 * 60_000, 100);
  assert.deepEqual(
    all.times.map(iso),
    [1, 2, 3, 4, 5].map((m) => iso(from + m * 60_000)),
  );
  assert.equal(all.skipped, 0);
  const cut = fireTimesBetween(times, from, from + 5 * 60_000, 2);
  assert.deepEqual(cut.times.map(iso), [iso(from + 4 * 60_000), iso(from + 5 * 60_000)]);
  assert.deepEqual(
    [cut.skipped, iso(cut.firstSkipped), iso(cut.lastSkipped)],
    [3, iso(from + 60_000), iso(from + 180_000)],
  );
});
