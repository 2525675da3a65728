// The split-mode engine's batched events (remoteAdmin(...).sink, aloft.admin.v1.EventService/CreateEvents) with admin
// in a process of its own, as `aloft engine` and `aloft admin` run: the CPU each process spends per event, read over
// the same interval in both (events.bench.ts runs both sides in one process and reports their sum). `--profile
// <prefix>` writes a CPU profile of each process during the last run (<prefix>.engine.cpuprofile and
// <prefix>.admin.cpuprofile, node:inspector's sampler, the one `--cpu-prof` uses). SQLite.
// Usage: npm run bench:events-split [-- --writers 32 --nodes 1000 --runs 8 --profile /tmp/events]
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { remoteAdmin } from "@aloft/server/testing";
import { eventClock, startTestPlatform } from "@aloft/testkit";
import { type BenchEvent, accepting, nodeEvents, registerNoop, startExecution } from "./event-fixtures.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    writers: { type: "string", default: "32" },
    nodes: { type: "string", default: "1000" },
    runs: { type: "string", default: "8" },
    profile: { type: "string" },
  },
});

const inspector = new Session();
inspector.connect();
async function startProfile(): Promise<void> {
  await inspector.post("Profiler.enable");
  await inspector.post("Profiler.setSamplingInterval", { interval: 200 });
  await inspector.post("Profiler.start");
}
async function stopProfile(file: string): Promise<void> {
  const { profile } = await inspector.post("Profiler.stop");
  writeFileSync(file, JSON.stringify(profile));
}
const cpuSeconds = (d: NodeJS.CpuUsage) => (d.user + d.system) / 1e6;

// Admin's process: answers "start" / "stop <profile file or ->" on stdin with its CPU seconds in between.
if (positionals[0] === "admin") {
  const platform = await startTestPlatform({
    configurePlugins: (p) => {
      p.workflowExecutor = accepting;
    },
  });
  console.log(platform.grpcAddress);
  let cpu0 = process.cpuUsage();
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, file] = line.split(" ");
    if (command === "start") {
      if (file !== "-") await startProfile();
      cpu0 = process.cpuUsage();
      console.log("started");
    } else if (command === "stop") {
      const cpu = cpuSeconds(process.cpuUsage(cpu0));
      if (file !== "-") await stopProfile(file!);
      console.log(String(cpu));
    } else break;
  }
  await platform.close();
  process.exit(0);
}

const WRITERS = Number(values.writers);
const NODES = Number(values.nodes);
const RUNS = Number(values.runs);
const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, "admin"], {
  stdio: ["pipe", "pipe", "inherit"],
});
const replies = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
const ask = async (line: string) => {
  child.stdin!.write(`${line}\n`);
  return (await replies.next()).value as string;
};
const address = (await replies.next()).value as string;
const admin = createClient(AdminService, createGrpcTransport({ baseUrl: `http://${address}` }));
const { lp, taskId } = await registerNoop(admin);
const remote = remoteAdmin(`http://${address}`);
const sink = remote.sink;
const send = (e: BenchEvent) => (e.kind === "node" ? sink.nodeEvent(e.req) : sink.taskEvent(e.req));
const at = eventClock();

/** One execution's NODES × 6 events by WRITERS writers (a node's events in order); CPU seconds of each process. */
async function run(profile: string | undefined) {
  const exec = await startExecution(admin, sink, lp, at);
  const perNode = Array.from({ length: NODES }, (_, i) => nodeEvents(exec, `n${i}`, taskId, at));
  await ask(`start ${profile ? `${profile}.admin.cpuprofile` : "-"}`);
  if (profile) await startProfile();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < perNode.length) for (const e of perNode[next++]!) await send(e);
    }),
  );
  const engine = cpuSeconds(process.cpuUsage(cpu0));
  const wall = (performance.now() - t0) / 1000;
  if (profile) await stopProfile(`${profile}.engine.cpuprofile`);
  const adminCpu = Number(await ask(`stop ${profile ? `${profile}.admin.cpuprofile` : "-"}`));
  return { engine, admin: adminCpu, wall };
}

const us = (seconds: number) => ((seconds / (NODES * 6)) * 1e6).toFixed(1).padStart(7);
console.log(`\nBatched events, engine and admin apart (sqlite, ${NODES} nodes × 6 events, ${WRITERS} writers)\n`);
console.log("run   engine µs/event   admin µs/event   both µs/event   events per CPU-s   events/s");
const results = [];
for (let i = 0; i < RUNS; i++) {
  const r = await run(i === RUNS - 1 ? values.profile : undefined);
  results.push(r);
  const both = r.engine + r.admin;
  console.log(
    `${String(i + 1).padEnd(6)}${us(r.engine).padEnd(18)}${us(r.admin).padEnd(17)}${us(both).padEnd(16)}${String(Math.round((NODES * 6) / both)).padEnd(19)}${Math.round((NODES * 6) / r.wall)}`,
  );
}
// The first runs still compile and optimise the path: the median of the second half is the figure.
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const late = results.slice(Math.floor(RUNS / 2));
console.log(
  `median of runs ${RUNS - late.length + 1}–${RUNS}: engine ${us(median(late.map((r) => r.engine)))}, admin ${us(median(late.map((r) => r.admin)))}, both ${us(median(late.map((r) => r.engine + r.admin)))} µs/event, ${Math.round((NODES * 6) / median(late.map((r) => r.wall)))} events/s`,
);
remote.close();
child.stdin!.write("quit\n");
