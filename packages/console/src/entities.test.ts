import assert from "node:assert/strict";
import { test } from "node:test";
import { isArchived, namedEntityFilters, scheduleLabel } from "./entities.ts";

test("the named entity list asks for one state and leaves out system-generated names", () => {
  assert.equal(namedEntityFilters(false), "not_like(name,.flytegen%)+eq(state,0)");
  assert.equal(namedEntityFilters(true), "not_like(name,.flytegen%)+eq(state,1)");
  assert.equal(isArchived("NAMED_ENTITY_ARCHIVED"), true);
  assert.equal(isArchived("NAMED_ENTITY_ACTIVE"), false);
  assert.equal(isArchived(undefined), false);
});

test("schedules in words: cron (with offset), fixed rates, none", () => {
  assert.equal(scheduleLabel({ cron_expression: "0 * * * *" }), "cron 0 * * * *");
  assert.equal(scheduleLabel({ cron_schedule: { schedule: "@daily", offset: "PT1H" } }), "cron @daily (offset PT1H)");
  assert.equal(scheduleLabel({ rate: { value: 5, unit: "MINUTE" } }), "every 5 minutes");
  assert.equal(scheduleLabel({ rate: { value: 1, unit: "DAY" } }), "every day");
  assert.equal(scheduleLabel({}), "");
  assert.equal(scheduleLabel(null), "");
});
