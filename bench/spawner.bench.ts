// Micro-benchmark of the task spawner alone (issue 16): N tasks of `true` started one after another through the
// Spawner API with the plugin's request (reservation, record, clean-up), each exit (and its clean-up) awaited. Prints,
// per task, the CPU of the spawner process (all its threads, /proc/<pid>/task/*/schedstat; its 10 ms ticks beside it
// as a check), of this process, the wall time, the spawner's minor page faults (a count: the copy-on-write faults
// after each fork among them) and its page tables. Variants (node options of the spawner) alternate A B B A … in one
// process, each in a spawner of its own, warmed up by 30 tasks first.
//   npm run bench:spawner [-- --tasks 300 --series 2 --variants plain,lean]
import { mkdtemp, rm } from "node:fs/promises";
import { readdirSync, readFileSync } from "node:fs";
import { tmpdir, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { reservation, spawnDetached } from "../packages/engine/src/plugins/local-process/process-control.ts";
import { Spawner } from "../packages/engine/src/plugins/local-process/spawner.ts";

const { values } = parseArgs({
  options: {
    tasks: { type: "string", default: "300" },
    series: { type: "string", default: "2" },
    variants: { type: "string", default: "plain,lean" },
  },
});
const tasks = Number(values.tasks);
/** Node options of the spawner (`plain`: as shipped). */
const VARIANTS: Record<string, ConstructorParameters<typeof Spawner>[0]> = {
  plain: { execArgv: [] },
  jitless: { execArgv: ["--jitless", "--no-expose-wasm"] },
  small: { execArgv: ["--max-semi-space-size=1", "--single-threaded"] },
  lean: { execArgv: ["--jitless", "--no-expose-wasm", "--max-semi-space-size=1", "--single-threaded"] },
  st: { execArgv: ["--single-threaded"] },
  // Starts through a python3 posix_spawn helper (Spawner's `posixSpawn`); its CPU is counted with the spawner's.
  posix: { posixSpawn: "/usr/bin/python3" },
};
const names = values.variants.split(",");

/** utime + stime of the whole process in ms (10 ms ticks; a check of the schedstat figure). */
function ticksMs(pid: number): number {
  const f = statFields(pid);
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** /proc/<pid>/stat from field 3 (state) on. */
function statFields(pid: number): string[] {
  const t = readFileSync(`/proc/${pid}/stat`, "utf8");
  return t.slice(t.lastIndexOf(")") + 2).split(" ");
}

/** Minor page faults of the process (a count: copy-on-write after each fork among them). */
const minorFaults = (pid: number) => Number(statFields(pid)[7]);

/** The spawner's page tables and mappings (what a fork copies). */
function mm(pid: number): string {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const pte = /VmPTE:\s+(\d+)/.exec(status)?.[1];
  const maps = readFileSync(`/proc/${pid}/maps`, "utf8").split("\n").length - 1;
  return `VmPTE ${pte} kB, ${maps} mappings`;
}

function cpuNs(pid: number): number {
  let t = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      t += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // thread gone
    }
  }
  return t;
}

/** Per task: CPU (ms) of the spawner (`spawner`; `ticks` the same from its 10 ms ticks) and of this process (`self`). */
interface Result {
  faults: number;
  memory: string;
  ticks: number;
  spawner: number;
  self: number;
  wall: number;
}

async function run(name: string, dir: string): Promise<Result> {
  const spawner = new Spawner(VARIANTS[name]);
  const keep = setInterval(() => undefined, 1000);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  const one = async (i: number) => {
    const attempt = join(dir, "work", `${name}-${i}`);
    const tmp = join(attempt, "tmp");
    const exitPath = join(dir, "logs", `${name}-${i}.exit`);
    const recordPath = join(dir, "logs", `${name}-${i}.pid`);
    const now = new Date();
    let exited!: () => void;
    const done = new Promise<void>((resolve) => {
      exited = resolve;
    });
    await spawnDetached(
      {
        argv: ["true"],
        env: { ...env, TMPDIR: tmp, FLYTE_INTERNAL_TASK: `t${i}` },
        cwd: dir,
        logPath: join(dir, "logs", `${name}-${i}.log`),
        exitPath,
        now,
        record: { path: recordPath, restarts: 0 },
        prepare: reservation(
          { shared: [join(dir, "logs"), join(dir, "work")], fresh: [attempt, tmp] },
          exitPath,
          recordPath,
          { restarts: 0, startedAt: now.toISOString() },
        ),
        cleanup: [tmp, attempt],
        onExit: (exit) => {
          void exit?.cleaned?.then(() => exited());
          if (exit?.cleaned === undefined) exited();
        },
      },
      spawner,
    );
    await done;
  };
  // Warm-up: the spawner's start and its first requests (code compiled) are not counted.
  for (let i = 0; i < 30; i++) await one(-1 - i);
  if (VARIANTS[name]?.posixSpawn !== undefined && spawner.helperPid === undefined) throw new Error("no helper");
  const pid = spawner.pid!;
  if (process.env["SPAWNER_BENCH_PID"]) console.error(`spawner pid ${pid}`); // to attach perf or strace
  const helper = spawner.helperPid;
  const s0 = cpuNs(pid) + (helper === undefined ? 0 : cpuNs(helper));
  const t0 = ticksMs(pid);
  const f0 = minorFaults(pid);
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  for (let i = 0; i < tasks; i++) await one(i);
  const wall = performance.now() - w0;
  const c = process.cpuUsage(c0);
  const s = cpuNs(pid) + (helper === undefined ? 0 : cpuNs(helper)) - s0;
  const ticks = ticksMs(pid) - t0;
  const faults = (minorFaults(pid) - f0) / tasks;
  const memory = mm(pid);
  spawner.close();
  clearInterval(keep);
  return {
    faults,
    memory,
    ticks: ticks / tasks,
    spawner: s / 1e6 / tasks,
    self: (c.user + c.system) / 1e3 / tasks,
    wall: wall / tasks,
  };
}

const dir = await mkdtemp(join(tmpdir(), "aloft-spawner-bench-"));
const results: Record<string, Result[]> = {};
const order: string[] = [];
for (let s = 0; s < Number(values.series); s++) order.push(...(s % 2 === 0 ? names : [...names].reverse()));
try {
  for (const name of order) {
    const r = await run(name, dir);
    (results[name] ??= []).push(r);
    console.log(
      `${name.padEnd(8)} spawner ${r.spawner.toFixed(3)} ms/task (ticks ${r.ticks.toFixed(2)})  engine ${r.self.toFixed(3)}  wall ${r.wall.toFixed(3)}  faults ${r.faults.toFixed(1)}/task  ${r.memory}  load ${loadavg()[0]!.toFixed(1)}`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
for (const name of names) {
  const rs = results[name]!;
  console.log(
    `median ${name.padEnd(8)} spawner ${median(rs.map((r) => r.spawner)).toFixed(3)}  engine ${median(rs.map((r) => r.self)).toFixed(3)}  wall ${median(rs.map((r) => r.wall)).toFixed(3)}  (${rs.length} runs)`,
  );
}
