// CPU of the engine benches' process, split where it is spent, and a probe of the machine's speed (issue 16). A chain's
// CPU per node moved 2–3× between runs of one build; these say which part moved and whether the machine did.
import { readdirSync, readFileSync } from "node:fs";

export interface CpuSnapshot {
  /** The whole process (every thread), ms. */
  process: number;
  /** The main thread: ms on a CPU, and ms ready to run but waiting for one (other work on the machine). */
  main: number;
  mainWait: number;
  /** This process's `node` children alive now (the engine's task spawner, with its posix_spawn helper), ms on a CPU. */
  spawner: number;
}

/** /proc/<pid>/task/<tid>/schedstat: ns on a CPU, ns waiting on a run queue (exact, unlike stat's 10 ms ticks). */
function schedstat(path: string): [number, number] {
  const [run = 0, wait = 0] = readFileSync(path, "utf8").split(" ").map(Number);
  return [run / 1e6, wait / 1e6];
}

/** This process's `node` children (the engine's task spawner) and their `python` children (its posix_spawn helper). */
function nodeChildren(): number[] {
  const procs: { pid: string; ppid: string; comm: string }[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const text = readFileSync(`/proc/${e}/stat`, "utf8");
      const comm = text.slice(text.indexOf("(") + 1, text.lastIndexOf(")"));
      const ppid = text.slice(text.lastIndexOf(")") + 2).split(" ")[1] ?? "";
      procs.push({ pid: e, ppid, comm });
    } catch {
      // gone meanwhile
    }
  }
  const spawners = new Set(procs.filter((p) => p.ppid === String(process.pid) && p.comm === "node").map((p) => p.pid));
  return procs
    .filter((p) => spawners.has(p.pid) || (spawners.has(p.ppid) && p.comm.startsWith("python")))
    .map((p) => Number(p.pid));
}

/** Without /proc (not Linux): the process's CPU only. The children are found before the counters are read. */
export function cpuSnapshot(): CpuSnapshot {
  let children: number[] = [];
  try {
    children = nodeChildren();
  } catch {
    // no /proc
  }
  const u = process.cpuUsage();
  const snap = { process: (u.user + u.system) / 1000, main: 0, mainWait: 0, spawner: 0 };
  try {
    [snap.main, snap.mainWait] = schedstat(`/proc/self/task/${process.pid}/schedstat`);
    for (const pid of children) {
      try {
        snap.spawner += schedstat(`/proc/${pid}/schedstat`)[0];
      } catch {
        // ended meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return snap;
}

/** `b - a`, per item. */
export function cpuPer(a: CpuSnapshot, b: CpuSnapshot, n: number): CpuSnapshot {
  return {
    process: (b.process - a.process) / n,
    main: (b.main - a.main) / n,
    mainWait: (b.mainWait - a.mainWait) / n,
    spawner: (b.spawner - a.spawner) / n,
  };
}

/**
 * The CPU ms a fixed piece of JavaScript takes on this thread now (median of three): the machine's speed at that
 * moment. A run whose probe reads 1.5× another's ran on a 1.5× slower machine, whatever the code did.
 */
export function speedProbe(): number {
  const one = () => {
    const t0 = process.cpuUsage();
    const o: Record<string, number> = {};
    let h = 0;
    for (let i = 0; i < 300_000; i++) {
      const k = `k${i & 1023}`;
      o[k] = (o[k] ?? 0) + i;
      h = (h * 31 + ((o[k] ?? 0) & 0xffff)) | 0;
    }
    const t = process.cpuUsage(t0);
    return (t.user + t.system) / 1000 + (h === 0.5 ? 1 : 0);
  };
  const runs = [one(), one(), one()].sort((x, y) => x - y);
  return runs[1] ?? 0;
}

/** The median of `xs` (the mean of the two middle ones for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}
