// Time from spawning `aloft start` (the compiled bin, as `npm start` runs it) to the first 200 from /healthcheck, with a
// fresh data directory (database created and migrated) and a warm one (migrations already applied), against a bare
// node:http server started the same way (spawned node, polled the same way) in the same run. Runs alternate
// (bare, fresh, warm, …) so that load from other work on the machine spreads over all three; medians are printed, and
// the CPU the child used until it answered (from /proc, Linux), which is less disturbed by a busy machine than time.
// The bin runs the server verbs from the bundle (packages/server/dist/bundle, made by `npm run build`, which this bench
// runs first); `--unbundled` adds the same two starts of the compiled modules unbundled (packages/server/dist/main.js).
// `--before <checkout>` adds the same two starts of another built checkout (e.g. a scratch worktree of an older commit)
// to the alternation, for before/after figures from one run.
// Usage: npm run bench:start [-- --runs 7] [--unbundled] [--before ../scratch]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { report } from "./summary.ts";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "7" }, before: { type: "string" }, unbundled: { type: "boolean" } },
});
const RUNS = Number(values.runs);
const root = join(import.meta.dirname, "..");
const BIN = join(root, "packages/server/bin/aloft.mjs");
const UNBUNDLED = values.unbundled ? join(root, "packages/server/dist/main.js") : undefined;
const BEFORE = values.before === undefined ? undefined : join(values.before, "packages/server/bin/aloft.mjs");
const BARE = `require("node:http").createServer((q, s) => s.end("ok")).listen(Number(process.argv[1]), "127.0.0.1")`;
const TICK_MS = 10; // USER_HZ is 100 on Linux

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const healthy = (port: number) =>
  new Promise<boolean>((resolve) => {
    const r = request({ host: "127.0.0.1", port, path: "/healthcheck", agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    r.on("error", () => resolve(false));
    r.end();
  });

function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return Number.NaN;
  }
}

/** Spawns node with `args` (given the HTTP port), polls /healthcheck every 2 ms, and stops the child once answered. */
async function timeToHealthy(args: (port: number) => string[]): Promise<{ ms: number; cpu: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, args(port), {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, ALOFT_LOGGING__LEVEL: "warn" },
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let dead = false;
  void exited.then(() => (dead = true));
  while (!(await healthy(port))) {
    if (dead) throw new Error(`${args(port).join(" ")} exited before answering`);
    await new Promise((r) => setTimeout(r, 2));
  }
  const ms = performance.now() - t0;
  const cpu = cpuMs(child.pid!);
  child.kill("SIGTERM");
  await exited;
  return { ms, cpu };
}

const aloft =
  (dataDir: string, grpcPort: number, bin = BIN) =>
  (port: number) => [bin, "start", "--data-dir", dataDir, "--http-port", String(port), "--grpc-port", String(grpcPort)];

// The bin falls back to dist/main.js when the bundle is missing or older than the compiled output: say so, not measure it.
const check = spawnSync(process.execPath, [BIN, "start", "--help"], {
  env: { ...process.env, ALOFT_LOGGING__LEVEL: "debug" },
  encoding: "utf8",
});
if (check.stderr.includes("running dist/main.js")) throw new Error(`not the bundle: ${check.stderr.trim()}`);

const scratch = mkdtempSync(join(tmpdir(), "aloft-bench-start-"));
interface Case {
  name: string;
  args: (i: number) => Promise<(port: number) => string[]>;
}
const cases: Case[] = [{ name: "bare node:http", args: async () => (port) => ["-e", BARE, String(port)] }];
for (const [label, bin] of [
  ["", BIN],
  ["unbundled: ", UNBUNDLED],
  ["before: ", BEFORE],
] as const) {
  if (bin === undefined) continue;
  const warmDir = join(scratch, `warm-${cases.length}`);
  cases.push({
    name: `${label}aloft start, fresh data dir`,
    args: async (i) => aloft(join(scratch, `fresh-${cases.length}-${i}`), await freePort(), bin),
  });
  cases.push({
    name: `${label}aloft start, warm data dir`,
    args: async (i) => {
      // The warm directory gets its database (and the data dir's keys) from one untimed start.
      if (i === 0) await timeToHealthy(aloft(warmDir, await freePort(), bin));
      return aloft(warmDir, await freePort(), bin);
    },
  });
}
const results = cases.map(() => ({ ms: [] as number[], cpu: [] as number[] }));
try {
  for (let i = 0; i < RUNS; i++) {
    const line: string[] = [];
    for (const [k, c] of cases.entries()) {
      const r = await timeToHealthy(await c.args(i));
      results[k]!.ms.push(r.ms);
      results[k]!.cpu.push(r.cpu);
      line.push(`${c.name} ${r.ms.toFixed(0)} ms`);
    }
    process.stderr.write(`run ${i + 1}/${RUNS}: ${line.join(", ")}\n`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const bare = median(results[0]!.ms);
const bareCpu = median(results[0]!.cpu);
console.log(`npm start → /healthcheck answers (median of ${RUNS}, node ${process.version})`);
console.log("| server | time to /healthcheck | × bare node:http | CPU until then | × bare CPU |");
console.log("| --- | --- | --- | --- | --- |");
for (const [k, c] of cases.entries()) {
  const m = median(results[k]!.ms);
  const cpu = median(results[k]!.cpu);
  console.log(
    `| ${c.name} | ${m.toFixed(0)} ms | ${(m / bare).toFixed(2)} | ${cpu.toFixed(0)} ms | ${(cpu / bareCpu).toFixed(2)} |`,
  );
}
report(
  "start",
  cases.slice(1).flatMap((c, k) => [
    {
      figure: `${c.name} → /healthcheck, median of ${RUNS}`,
      value: median(results[k + 1]!.ms),
      baseline: bare,
      unit: "ms",
      goal: "< 1 s (bare: 0.11 s idle)",
    },
    {
      figure: `${c.name}, CPU until it answers`,
      value: median(results[k + 1]!.cpu),
      baseline: bareCpu,
      unit: "ms",
      goal: "",
    },
  ]),
);
