import assert from "node:assert/strict";
import { test } from "node:test";
import { silentLogger } from "@aloft/core";
import type { ExecutionRow } from "../repositories/execution-repo.ts";
import { LaunchReconciler } from "./launch-reconciler.ts";

const NOW = new Date("2026-01-01T00:00:00Z");
const micros = (d: Date) => d.getTime() * 1000;
const row = (name: string, ageMs: number) =>
  ({
    id: name.length,
    execution_name: name,
    phase: "UNDEFINED",
    created_at: micros(NOW) - ageMs * 1000,
  }) as unknown as ExecutionRow;

function fakeRepo(rows: ExecutionRow[]) {
  return {
    asked: [] as Array<{ phase: string; before: number }>,
    async listInPhaseCreatedBefore(phase: string, before: number) {
      this.asked.push({ phase, before });
      return rows.filter((r) => r.phase === phase && r.created_at < before);
    },
  };
}

test("only UNDEFINED rows older than the grace period are resumed; a failing one does not stop the others", async () => {
  const repo = fakeRepo([row("old", 60_000), row("boom", 45_000), row("young", 1_000)]);
  const resumed: string[] = [];
  const r = new LaunchReconciler({
    repo,
    resume: async (x) => {
      if (x.execution_name === "boom") throw new Error("database away");
      resumed.push(x.execution_name);
    },
    clock: { now: () => NOW } as never,
    logger: silentLogger(),
    graceMs: 30_000,
    intervalMs: 0,
  });
  assert.equal(await r.runOnce(), 1);
  assert.deepEqual(resumed, ["old"]);
  assert.equal(repo.asked[0]!.phase, "UNDEFINED");
  assert.equal(repo.asked[0]!.before, micros(NOW) - 30_000_000);
});

test("a pass that cannot read the database is retried later, never thrown", async () => {
  const r = new LaunchReconciler({
    repo: { listInPhaseCreatedBefore: async () => Promise.reject(new Error("down")) },
    resume: async () => {},
    clock: { now: () => NOW } as never,
    logger: silentLogger(),
    graceMs: 0,
    intervalMs: 0,
  });
  assert.equal(await r.runOnce(), 0);
  r.start();
  await r.stop();
});
