// A tour of the authoring features that the ML pipeline does not use: gates (approval, typed input, sleep), a
// launch-plan reference (a child execution), a dynamic task, explicit ordering, and task settings (retries, timeout,
// cache, resources, secrets, env, interruptible, warm workers). Registrable as is; the gate and launch-plan nodes
// need the server (runLocal's engine runs tasks, branches and sub-workflows).
import { dynamic, launchPlan, launchPlanRef, t, task, workflow } from "@aloft/sdk";

export const square = task(
  {
    name: "features.square",
    inputs: { x: t.int() },
    outputs: { y: t.int() },
    retries: 3,
    timeoutMs: 60_000,
    cache: true,
    cacheVersion: "1.0",
    requests: { cpu: "250m", memory: "128Mi" },
    limits: { cpu: "1", memory: "256Mi" },
    secrets: [{ group: "db", key: "password" }],
    env: { LOG_LEVEL: "debug" },
    interruptible: true,
    warm: true,
  },
  ({ x }) => ({ y: x * x }),
);

export const total = task(
  { name: "features.total", inputs: { xs: t.list(t.int()) }, outputs: { sum: t.int() } },
  ({ xs }) => ({
    sum: xs.reduce((a, b) => a + b, 0),
  }),
);

/** Squares 0..n-1: the node count is only known at run time. */
export const squares = dynamic(
  { name: "features.squares", inputs: { n: t.int() }, outputs: { ys: t.list(t.int()) } },
  (b, { n }) => ({
    ys: Array.from({ length: n }, (_, i) => b.call(square, { x: i }).y),
  }),
);

/** A launch plan registered by another team, called as a child execution. */
export const scoreElsewhere = launchPlanRef(
  { project: "analytics", domain: "development", name: "score", version: "v3" },
  { inputs: { values: t.list(t.int()) }, outputs: { score: t.float() } },
);

export const gated = workflow(
  {
    name: "features.gated",
    inputs: { n: t.int() },
    outputs: { sum: t.int(), score: t.float(), note: t.string() },
    failurePolicy: "after-executable-nodes",
  },
  (b, { n }) => {
    const ys = b.call(squares, { n });
    const approved = b.approve(ys.ys, { id: "approve-squares" });
    const note = b.waitForInput("release-note", t.string(), { timeoutMs: 3_600_000 });
    const pause = b.sleep(5_000);
    const s = b.call(total, { xs: approved }, { after: [pause] });
    const scored = b.call(scoreElsewhere, { values: approved });
    return { sum: s.sum, score: scored.score, note };
  },
);

export const gatedDaily = launchPlan(gated, {
  name: "features.gated.daily",
  fixed: { n: 4 },
  schedule: { rateMinutes: 1440 },
});
