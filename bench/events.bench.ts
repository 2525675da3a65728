// Event ingestion: node + task events per second into admin, in-process (the sandbox's path) and over gRPC (an engine
// apart from admin): one flyteidl unary RPC per event, and the split-mode engine's own sink (remote.ts), which sends
// them in batches (aloft.admin.v1.EventService/CreateEvents). Against raw single-row inserts into the same database
// measured in the same run.
// The last four rows drive the engine's own rounds (a fan-out of no-op tasks, in the primary workflow and inside a
// sub-workflow) over the split-mode sink: its events one at a time, as before issue 16's change, and a round's events
// at once.
// Usage: npm run bench:events [-- --db sqlite|postgres --nodes 300]
import { parseArgs } from "node:util";
import { sql } from "kysely";
import { create } from "@bufbuild/protobuf";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { remoteAdmin } from "@aloft/server/testing";
import { eventClock, intLiteral } from "@aloft/testkit";
import type { EventSink } from "@aloft/engine";
import { engineHarness } from "../packages/engine/src/testing/harness.ts";
import { succeed } from "../packages/engine/src/testing/fake-plugin.ts";
import type { RecordingEventSink } from "../packages/engine/src/testing/recording-sink.ts";
import { b, compiler } from "../packages/engine/src/testing/workflows.ts";
import { type BenchEvent, D, P, acceptingPlatform, nodeEvents, startExecution } from "./event-fixtures.ts";
import { report } from "./summary.ts";

const { values } = parseArgs({
  options: { db: { type: "string", default: "sqlite" }, nodes: { type: "string", default: "300" } },
});
const NODES = Number(values.nodes);

const { platform, admin, sink, lp, taskId } = await acceptingPlatform(values.db as "sqlite" | "postgres");

const at = eventClock();
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
};
const newExecution = () => startExecution(admin, sink, lp, at);

// Baseline: single-row inserts (a row the size of a small closure) into a scratch table of the same database, measured
// in passes between the scenarios and taken as the median: one pass at the end (as before) moved 47,000–97,000 per
// CPU-s from run to run — whether SQLite's WAL checkpoint, a GC or the machine's other work fell into that one pass.
const db = platform.admin.database.db;
await sql`create table bench_raw_events (id integer primary key, execution_name varchar(64), node_id varchar(64), phase varchar(32), occurred_at bigint, closure ${sql.raw(platform.admin.database.dialect === "sqlite" ? "blob" : "bytea")})`.execute(
  db,
);
const payload = new Uint8Array(200);
let rawId = 0;
const rawInsert = () =>
  sql`insert into bench_raw_events (id, execution_name, node_id, phase, occurred_at, closure) values (${rawId++}, ${"bench"}, ${`n${rawId % NODES}`}, ${"RUNNING"}, ${Date.now() * 1000}, ${payload})`.execute(
    db,
  );
const rawPasses: { perSecond: number; perCpuSecond: number }[] = [];
/** One timed pass of as many inserts as a scenario's events (NODES × 6). */
async function rawPass() {
  const n = NODES * 6;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await rawInsert();
  rawPasses.push({ perSecond: n / (Number(process.hrtime.bigint() - t0) / 1e9), perCpuSecond: n / cpuSeconds(cpu0) });
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function measure(name: string, send: (e: BenchEvent) => Promise<unknown>, concurrency: number) {
  const exec = await newExecution();
  const perNode = Array.from({ length: NODES }, (_, i) => nodeEvents(exec, `n${i}`, taskId, at));
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let next = 0;
  // Events of one node are ordered; different nodes proceed concurrently (as several engine workers would).
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < perNode.length) {
        const events = perNode[next++]!;
        for (const e of events) await send(e);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { name, events: NODES * 6, perSecond: (NODES * 6) / seconds, perCpuSecond: (NODES * 6) / cpuSeconds(cpu0) };
}

// Untimed warm-up: the first events through a fresh process compile and optimise the whole path (the managers,
// protobuf, the query builder, SQLite's statements), which a running admin paid long before; without it the first
// scenario measured mostly that (1 writer: ≈ 3,000 events per CPU-second cold against ≈ 8,000 warm). One pass of
// --nodes was not enough at small sizes (1 writer at 300 nodes: 0.24–0.40× raw after one pass, 0.77–0.92× after
// 10,800 events), so passes alternate 1 and 32 writers (both paths of the group commit) until WARM_UP_EVENTS went by.
const WARM_UP_EVENTS = 10_000;
for (let sent = 0, pass = 0; sent < WARM_UP_EVENTS; sent += NODES * 6, pass++)
  await measure(
    "warm-up",
    (e) => (e.kind === "node" ? sink.nodeEvent(e.req) : sink.taskEvent(e.req)),
    pass % 2 ? 32 : 1,
  );
for (let i = 0; i < NODES * 6; i++) await rawInsert(); // warm-up, untimed (as for the events)
await rawPass();
const results = [];
results.push(
  await measure("in-process, 1 writer", (e) => (e.kind === "node" ? sink.nodeEvent(e.req) : sink.taskEvent(e.req)), 1),
);
results.push(
  await measure("in-process, 4 writers", (e) => (e.kind === "node" ? sink.nodeEvent(e.req) : sink.taskEvent(e.req)), 4),
);
// As the engine's batched event RPC calls the managers: many executions' events at once.
results.push(
  await measure(
    "in-process, 32 writers",
    (e) => (e.kind === "node" ? sink.nodeEvent(e.req) : sink.taskEvent(e.req)),
    32,
  ),
);
await rawPass();
results.push(
  await measure(
    "gRPC, 4 writers",
    (e) => (e.kind === "node" ? admin.createNodeEvent(e.req) : admin.createTaskEvent(e.req)),
    4,
  ),
);

// The split-mode engine's own ports (packages/server/src/wiring/remote.ts), as `aloft engine` builds them.
const remote = remoteAdmin(`http://${platform.grpcAddress}`);
const remoteSink = remote.sink;
const remoteSend = (e: BenchEvent) => (e.kind === "node" ? remoteSink.nodeEvent(e.req) : remoteSink.taskEvent(e.req));
// 4 writers each awaiting its event: what `aloft engine` does today with its default 4 workers (each execution's
// round visits its nodes and sends their events one after another), so a batch never holds more than 4 events.
results.push(await measure("gRPC batched, 4 writers", remoteSend, 4));
// Many events in flight at once (32 executions' rounds, or rounds that send their events without waiting for each):
// batches of up to 32 events, the load the batched RPC is built for.
results.push(await measure("gRPC batched, 32 writers", remoteSend, 32));

/**
 * The real engine's rounds (4 workers, the test plugin's no-op tasks: no processes) over the split-mode sink: a
 * fan-out of NODES tasks — in the primary workflow, or (`nested`) inside one sub-workflow node — its events counted as
 * they are sent. `concurrent: false` is the engine before issue 16's change — each event awaited in turn — on the same
 * code. The run ends when admin has answered the workflow's terminal event (no polling of the engine's status, whose
 * copies of a 1,000-node status cost ≈ 5 % of the process's CPU every 5 ms).
 */
const ENDS = new Set([
  WorkflowExecution_Phase.SUCCEEDED,
  WorkflowExecution_Phase.FAILED,
  WorkflowExecution_Phase.ABORTED,
]);
async function engineFanOut(name: string, concurrent: boolean, nested = false) {
  let events = 0;
  let ended!: (phase: WorkflowExecution_Phase) => void;
  const end = new Promise<WorkflowExecution_Phase>((resolve) => (ended = resolve));
  const sink: EventSink = {
    concurrent,
    workflowEvent: async (r) => {
      events++;
      await remoteSink.workflowEvent(r);
      const phase = r.event?.phase ?? WorkflowExecution_Phase.UNDEFINED;
      if (ENDS.has(phase)) ended(phase);
    },
    nodeEvent: (r) => (events++, remoteSink.nodeEvent(r)),
    taskEvent: (r) => (events++, remoteSink.taskEvent(r)),
  };
  const h = engineHarness({ sink: sink as RecordingEventSink, config: { workers: 4 } });
  h.plugin.script("noop", succeed());
  const nodes = Array.from({ length: NODES }, (_, i) => b.taskNode(`n${i}`, "noop"));
  const closure = nested
    ? compiler.ok(b.workflow("outer", [b.subWorkflowNode("sub", "fan")]), { subs: [b.workflow("fan", nodes)] })
    : compiler.ok(b.workflow("fan", nodes));
  const { id: exec } = await admin.createExecution({
    project: P,
    domain: D,
    spec: { launchPlan: lp },
    inputs: { literals: { x: intLiteral(1) } },
  });
  await h.engine.start();
  try {
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await h.engine.launch({
      executionId: exec!,
      closure,
      inputs: create(LiteralMapSchema, {}),
      spec: { rawOutputPrefix: "raw" },
    });
    const phase = await end;
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (phase !== WorkflowExecution_Phase.SUCCEEDED) throw new Error(`${name} ended ${WorkflowExecution_Phase[phase]}`);
    return { name, events, perSecond: events / seconds, perCpuSecond: events / cpuSeconds(cpu0) };
  } finally {
    await h.engine.stop();
  }
}
await rawPass();
// A B B A: one event at a time (before), the round's events at once (after); the primary workflow's fan-out, then the
// same fan-out inside a sub-workflow (nested scopes).
for (const [label, nested] of [
  ["engine fan-out", false],
  ["engine sub-workflow fan-out", true],
] as const) {
  const engineRuns = [
    await engineFanOut(`${label}, one by one`, false, nested),
    await engineFanOut(`${label}, at once`, true, nested),
    await engineFanOut(`${label}, at once`, true, nested),
    await engineFanOut(`${label}, one by one`, false, nested),
  ];
  for (const name of [`${label}, one by one`, `${label}, at once`]) {
    const runs = engineRuns.filter((r) => r.name === name);
    const events = runs.reduce((n, r) => n + r.events, 0);
    results.push({
      name,
      events,
      perSecond: events / runs.reduce((t, r) => t + r.events / r.perSecond, 0),
      perCpuSecond: events / runs.reduce((t, r) => t + r.events / r.perCpuSecond, 0),
    });
  }
}
remote.close();
await rawPass();
const rawPerSecond = median(rawPasses.map((p) => p.perSecond));
const rawPerCpuSecond = median(rawPasses.map((p) => p.perCpuSecond));
const spread = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;

await platform.close();

console.log(`\nEvent ingestion (${values.db}, ${NODES} task nodes × 6 events, node ${process.version})\n`);
// events per CPU-second (this process: user + system) is the steadier figure on a machine shared with other work.
console.log(
  `raw inserts: median of ${rawPasses.length} passes between the scenarios (per s ${spread(rawPasses.map((p) => p.perSecond))}, per CPU-s ${spread(rawPasses.map((p) => p.perCpuSecond))})\n`,
);
console.log(`${"scenario".padEnd(42)}${"events/s".padEnd(12)}${"vs raw".padEnd(10)}${"per CPU-s".padEnd(12)}vs raw`);
console.log(
  `${"raw single-row inserts".padEnd(42)}${rawPerSecond.toFixed(0).padEnd(12)}${"1.00x".padEnd(10)}${rawPerCpuSecond.toFixed(0).padEnd(12)}1.00x`,
);
for (const r of results)
  console.log(
    `${r.name.padEnd(42)}${r.perSecond.toFixed(0).padEnd(12)}${`${(r.perSecond / rawPerSecond).toFixed(2)}x`.padEnd(10)}${r.perCpuSecond.toFixed(0).padEnd(12)}${(r.perCpuSecond / rawPerCpuSecond).toFixed(2)}x`,
  );
report(
  "events",
  results.map((r) => ({
    figure: `events ingested, ${values.db}, ${r.name} (baseline: raw single-row inserts)`,
    value: r.perSecond,
    baseline: rawPerSecond,
    unit: "/s",
    goal: r.name.startsWith("in-process") ? "≥ 0.5× raw" : "≥ 0.3× raw",
  })),
);
