// Time from CreateExecution to the first task process started, in the sandbox (`aloft start` in a child process),
// against spawning the same shell command bare, measured in the same run.
// Usage: npm run bench:launch [-- --runs 20]
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { id, intLiteral, promise, registerWorkflow, shellTask, taskNode } from "@aloft/testkit";
import { startAloft } from "./child.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "20" } } });
const RUNS = Number(values.runs);
const dir = mkdtempSync(join(tmpdir(), "aloft-bench-launch-"));
const marks = join(dir, "marks");
const P = "flytesnacks";
const D = "development";

const waitFor = async (file: string) => {
  while (!existsSync(file) || readFileSync(file, "utf8").trim() === "") await new Promise((r) => setTimeout(r, 1));
  return BigInt(readFileSync(file, "utf8").trim());
};
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

// Baseline: spawn the same command bare.
const bare: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const f = `${marks}-bare-${i}`;
  const t0 = Date.now();
  spawn("sh", ["-c", `date +%s%3N > ${f}`], { stdio: "ignore" });
  bare.push(Number(await waitFor(f)) - t0);
}

const server = await startAloft(join(dir, "data"));
const admin = createClient(AdminService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.grpcPort}` }));
const task = shellTask(
  id(ResourceType.TASK, P, D, "mark", "v1"),
  ["i"],
  ["o"],
  `date +%s%3N > ${marks}-$(cat /var/inputs/i); echo 0 > /var/outputs/o`,
);
const lp = await registerWorkflow(admin, {
  project: P,
  domain: D,
  name: "mark",
  version: "v1",
  tasks: [task],
  inputs: ["i"],
  nodes: [taskNode("n0", task.id!, { i: promise("start-node", "i") })],
  outputs: { o: promise("n0", "o") },
});
const launched: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = Date.now();
  await admin.createExecution({
    project: P,
    domain: D,
    spec: { launchPlan: lp },
    inputs: { literals: { i: intLiteral(i) } },
  });
  launched.push(Number(await waitFor(`${marks}-${i}`)) - t0);
}
await server.stop();
// A task the last launch started may still be writing its outputs: the removal retries while the directory changes.
rmSync(dir, { recursive: true, force: true, maxRetries: 10 });

console.log(
  `\nCreateExecution → first task process started (${RUNS} runs, sandbox on SQLite, node ${process.version})\n`,
);
console.log(`${"".padEnd(34)}${"p50 ms".padEnd(10)}${"p90 ms".padEnd(10)}max ms`);
console.log(
  `${"bare spawn of the same command".padEnd(34)}${String(pct(bare, 50)).padEnd(10)}${String(pct(bare, 90)).padEnd(10)}${Math.max(...bare)}`,
);
console.log(
  `${"CreateExecution to task start".padEnd(34)}${String(pct(launched, 50)).padEnd(10)}${String(pct(launched, 90)).padEnd(10)}${Math.max(...launched)}`,
);
console.log(
  `\nplatform overhead at p50: ${pct(launched, 50) - pct(bare, 50)} ms (${(pct(launched, 50) / Math.max(1, pct(bare, 50))).toFixed(1)}x the bare spawn)`,
);
