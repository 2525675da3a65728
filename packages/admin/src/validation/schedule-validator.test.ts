// The cron grammar of robfig/cron ParseStandard (messages included), Go durations, and schedule emptiness.
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { ScheduleSchema } from "@aloft/idl/flyteidl/admin/schedule_pb.js";
import { CronSyntaxError, isScheduleEmpty, parseCron, parseGoDuration, type ParsedCron } from "./schedule-validator.ts";
import { quantityValue } from "./workflow-validator.ts";

function fields(spec: string): Extract<ParsedCron, { kind: "fields" }> {
  const p = parseCron(spec);
  assert.equal(p.kind, "fields");
  return p as Extract<ParsedCron, { kind: "fields" }>;
}
const values = (f: { values: ReadonlySet<number> }) => [...f.values].sort((a, b) => a - b);

test("five fields: stars, lists, ranges, steps and names", () => {
  const p = fields("*/15 9-17 1,15 JAN-mar mon-FRI");
  assert.deepEqual(values(p.minute), [0, 15, 30, 45]);
  assert.equal(p.minute.star, false, "a step above 1 clears the star bit");
  assert.deepEqual(values(p.hour), [9, 10, 11, 12, 13, 14, 15, 16, 17]);
  assert.deepEqual(values(p.dayOfMonth), [1, 15]);
  assert.deepEqual(values(p.month), [1, 2, 3]);
  assert.deepEqual(values(p.dayOfWeek), [1, 2, 3, 4, 5]);
  const q = fields("5/20 ? * * *");
  assert.deepEqual(values(q.minute), [5, 25, 45], "N/step means N-max/step");
  assert.equal(q.hour.star, true);
  assert.equal(fields("  0   0  *  * 0 ").dayOfWeek.values.has(0), true, "any whitespace separates fields");
});

test("descriptors, @every and time zones", () => {
  assert.deepEqual(values(fields("@hourly").minute), [0]);
  assert.equal(fields("@daily").hour.values.size, 1);
  assert.deepEqual(values(fields("@weekly").dayOfWeek), [0]);
  for (const d of ["@yearly", "@annually", "@monthly", "@midnight"]) assert.equal(parseCron(d).kind, "fields");
  assert.deepEqual(parseCron("@every 1h30m"), { kind: "every", everyMs: 5_400_000 });
  assert.deepEqual(parseCron("@every 10ms"), { kind: "every", everyMs: 1000 }, "below a second becomes a second");
  assert.equal(parseCron("TZ=Europe/Paris 0 9 * * *").timeZone, "Europe/Paris");
  assert.equal(parseCron("CRON_TZ=UTC @hourly").timeZone, "UTC");
});

test("robfig's errors", () => {
  const cases: Array<[string, string]> = [
    ["", "empty spec string"],
    ["0 10 * * ? *", "expected exactly 5 fields, found 6: [0 10 * * ? *]"],
    ["* * *", "expected exactly 5 fields, found 3: [* * *]"],
    ["60 * * * *", "end of range (60) above maximum (59): 60"],
    ["* * 0 * *", "beginning of range (0) below minimum (1): 0"],
    ["* * * * 7", "end of range (7) above maximum (6): 7"],
    ["5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"],
    ["*/0 * * * *", "step of range should be a positive number: */0"],
    ["1-2-3 * * * *", "too many hyphens: 1-2-3"],
    ["*/2/3 * * * *", "too many slashes: */2/3"],
    ["x * * * *", 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ["@fortnightly", "unrecognized descriptor: @fortnightly"],
    ["@every 5", 'failed to parse duration @every 5: time: missing unit in duration "5"'],
    ["@every 5y", 'failed to parse duration @every 5y: time: unknown unit "y" in duration "5y"'],
    ["TZ=Nowhere/Else 0 * * * *", "provided bad location Nowhere/Else: unknown time zone Nowhere/Else"],
  ];
  for (const [spec, message] of cases) {
    assert.throws(
      () => parseCron(spec),
      (e: unknown) => e instanceof CronSyntaxError && e.message === message,
      `spec ${JSON.stringify(spec)}`,
    );
  }
});

test("Go durations", () => {
  assert.equal(parseGoDuration("0"), 0);
  assert.equal(parseGoDuration("1.5h"), 1.5 * 3600e9);
  assert.equal(parseGoDuration("-2m3s"), -123e9);
  assert.equal(parseGoDuration("300ms"), 300e6);
  assert.equal(parseGoDuration("1\u00b5s"), 1000);
  assert.throws(() => parseGoDuration(""), /invalid duration/);
  assert.throws(() => parseGoDuration("h"), /invalid duration/);
});

test("empty schedules: none, empty cron strings, zero rates", () => {
  assert.equal(isScheduleEmpty(undefined), true);
  assert.equal(isScheduleEmpty(create(ScheduleSchema)), true);
  assert.equal(
    isScheduleEmpty(create(ScheduleSchema, { ScheduleExpression: { case: "cronSchedule", value: { schedule: "" } } })),
    true,
  );
  assert.equal(
    isScheduleEmpty(create(ScheduleSchema, { ScheduleExpression: { case: "cronExpression", value: "" } })),
    true,
  );
  assert.equal(
    isScheduleEmpty(create(ScheduleSchema, { ScheduleExpression: { case: "rate", value: { value: 0 } } })),
    true,
  );
  assert.equal(
    isScheduleEmpty(create(ScheduleSchema, { ScheduleExpression: { case: "rate", value: { value: 1 } } })),
    false,
  );
  assert.equal(
    isScheduleEmpty(
      create(ScheduleSchema, { ScheduleExpression: { case: "cronSchedule", value: { schedule: "@daily" } } }),
    ),
    false,
  );
});

test("workflow size limits are Kubernetes quantities", () => {
  assert.equal(quantityValue("100"), 100);
  assert.equal(quantityValue("1Mi"), 1024 * 1024);
  assert.equal(quantityValue("2k"), 2000);
  assert.equal(quantityValue("1e3"), 1000);
  assert.equal(quantityValue("0.5Ki"), 512);
  assert.throws(() => quantityValue("ten"), /not a valid quantity/);
});
