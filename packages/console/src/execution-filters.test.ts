import assert from "node:assert/strict";
import { test } from "node:test";
import {
  executionFilters,
  filterValue,
  fromLocalInput,
  hasFilters,
  phaseParam,
  phasesOf,
  toLocalInput,
} from "./execution-filters.ts";

test("the list's filters become one admin filter expression", () => {
  assert.equal(executionFilters({}), "");
  assert.equal(
    executionFilters({
      phase: "FAILED",
      q: " nightly ",
      lp: "train",
      wf: "pipeline.wf",
      from: "2025-01-31T12:00:00Z",
      to: "2025-02-01T00:00:00.000+01:00",
    }),
    "eq(phase,FAILED)+contains(execution_name,nightly)+eq(launch_plan.name,train)+eq(workflow.name,pipeline.wf)" +
      "+gte(execution_created_at,2025-01-31T12:00:00.000Z)+lte(execution_created_at,2025-01-31T23:00:00.000Z)",
  );
  // Text cannot break the expression; a time that does not parse is left out rather than sent.
  assert.equal(filterValue("a+b;c(d),e"), "abcde");
  assert.equal(executionFilters({ q: "x)+eq(phase,1", from: "yesterday" }), "contains(execution_name,xeqphase1)");
  assert.equal(hasFilters({ sort: "created_at.asc" }), false);
  assert.equal(hasFilters({ q: "a" }), true);
});

test("times go between the URL (UTC) and datetime-local inputs (local) without drifting", () => {
  const iso = fromLocalInput("2025-03-04T05:06");
  assert.ok(iso);
  assert.equal(toLocalInput(iso), "2025-03-04T05:06");
  assert.equal(fromLocalInput(""), undefined);
  assert.equal(fromLocalInput("not a time"), undefined);
  assert.equal(toLocalInput("nope"), "");
  assert.equal(toLocalInput(undefined), "");
});

test("several phases are one value_in filter; the URL keeps them as a comma-separated list", () => {
  assert.equal(executionFilters({ phase: "FAILED,TIMED_OUT" }), "value_in(phase,FAILED;TIMED_OUT)");
  assert.equal(executionFilters({ phase: "FAILED,,FAILED" }), "eq(phase,FAILED)");
  assert.equal(executionFilters({ phase: "RUNNING;x),QUEUED" }), "value_in(phase,RUNNINGx;QUEUED)");
  assert.deepEqual(phasesOf({ phase: "A,B" }), ["A", "B"]);
  assert.deepEqual(phasesOf({}), []);
  assert.equal(phaseParam(["A", "B"]), "A,B");
  assert.equal(phaseParam([]), undefined);
});
