// A pool of long-lived worker processes (child_process.fork) that run TypeScript task invocations, so that a task
// costs an IPC round trip instead of a process start and a module load. Each worker runs one invocation at a time, in
// the order they were sent to it; invocations queue for the first worker with room (and say where they are in line).
// A worker is sent more invocations than the one it runs — as many as `pipeline`, fewer as its invocations take
// longer (about `aheadMs` of work queued behind the running one) — so that it goes on to the next while the results
// travel back, and both directions batch: the invocations assigned to a worker in one turn of the event loop (or while
// it still has work in flight) go in one message, and a worker reports the invocations it finished in one message.
// What an invocation prints goes to its own log file when the caller names one. A worker that dies fails the
// invocation it was running (the plugin reports a retryable SYSTEM failure) and is replaced on demand; what it had
// not reported is sent again — to a worker of its own, one at a time, when it cannot be told which of them was running
// (a crash with several unreported), so that a crash fails only its own invocation. Abort kills the worker running the
// invocation (the others it held run again elsewhere).
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ExecuteArgs } from "@aloft/sdk";
import type { JobResult } from "../local/job-plugin.ts";
import type { FromWorker, Job, ToWorker, WorkerResult } from "./protocol.ts";

export interface WorkerPoolOptions {
  /** Worker processes (default 2). */
  size?: number;
  /** Extra environment for the workers. */
  env?: Record<string, string>;
  /** Working directory of the workers (module paths resolve against it). */
  cwd?: string;
  /** At most this many invocations sent to one worker at a time, the one it runs included (default 16). */
  pipeline?: number;
  /**
   * About this much work (ms, by the invocations' recent run times) is sent to a worker beyond the one it runs
   * (default 20); until a run time is known, one at a time.
   */
  aheadMs?: number;
}

interface Invocation {
  id: number;
  key: string;
  args: ExecuteArgs;
  env: Record<string, string>;
  logFile?: string;
  /** Held by a worker that died with others unreported: runs alone, so that a second crash is its own. */
  suspect?: boolean;
  resolve(r: JobResult): void;
  reject(e: Error): void;
}

interface Worker {
  child: ChildProcess;
  /** Sent (or about to be) and not reported, in the order the worker runs them. */
  held: Invocation[];
  /**
   * Assigned and not sent yet: sent in one message at the end of this turn of the event loop, or, while the worker has
   * more than the invocation it runs in flight, once it reports.
   */
  outbox: Invocation[];
  /** The process exited: nothing more is sent to it; what it held is settled once its channel is drained. */
  exited: boolean;
  /** Invocations aborted while it held them (never run again), and whether such an abort killed it. */
  aborted: Set<string>;
  killed: boolean;
  /** Settles once the worker said it is ready (or died first). */
  ready: Promise<void>;
  /** Settles once it died and what it held is settled. */
  gone: Promise<void>;
}

const PIPELINE = 16;
const AHEAD_MS = 20;
/** Weight of the newest run time in the running average. */
const ALPHA = 0.3;
/** How long after a worker's exit its channel may stay open before what it held is settled anyway. */
const CLOSE_GRACE_MS = 2000;

// Compiled (dist/…/worker-pool.js): the worker is compiled too, and tsx is loaded only to import TypeScript task
// modules, when it is installed. From sources (tests, development): the worker runs its sources through tsx.
const FROM_SOURCE = import.meta.url.endsWith(".ts");
const WORKER = fileURLToPath(new URL(FROM_SOURCE ? "./worker-main.ts" : "./worker-main.js", import.meta.url));
const WORKER_EXEC_ARGV = ((): string[] => {
  let tsx: string;
  try {
    tsx = import.meta.resolve("tsx");
  } catch {
    return [];
  }
  return FROM_SOURCE ? ["--conditions=@aloft/source", "--import", tsx] : ["--import", tsx];
})();

export class WorkerPool {
  readonly size: number;
  readonly #opts: WorkerPoolOptions;
  readonly #pipeline: number;
  readonly #aheadMs: number;
  readonly #workers: Worker[] = [];
  readonly #queue: Invocation[] = [];
  /** Running average of the invocations' run times in the workers (ms); undefined until one is reported. */
  #runMs: number | undefined;
  #next = 1;
  #closed = false;
  #flushing = false;

  constructor(options: WorkerPoolOptions = {}) {
    this.size = options.size ?? 2;
    this.#opts = options;
    this.#pipeline = Math.max(1, options.pipeline ?? PIPELINE);
    this.#aheadMs = options.aheadMs ?? AHEAD_MS;
  }

  /**
   * Runs one invocation; `key` identifies it for abort (the attempt's generated name). With `logFile`, what the task
   * prints goes there.
   */
  run(key: string, args: ExecuteArgs, env: Record<string, string>, logFile?: string): Promise<JobResult> {
    if (this.#closed) return Promise.reject(new Error("the warm worker pool is closed"));
    return new Promise<JobResult>((resolve, reject) => {
      this.#queue.push({ id: this.#next++, key, args, env, ...(logFile ? { logFile } : {}), resolve, reject });
      this.#dispatch();
    });
  }

  /**
   * Starts the workers now rather than on the first invocations (a server at start, a benchmark before it measures),
   * and resolves once each has started.
   */
  async start(): Promise<void> {
    if (this.#closed) throw new Error("the warm worker pool is closed");
    while (this.#live().length < this.size) this.#spawn();
    await Promise.all(this.#live().map((w) => w.ready));
  }

  /** Where an invocation waits for a free worker: its place in line (1 = next), or undefined when not waiting. */
  placeInLine(key: string): number | undefined {
    const i = this.#queue.findIndex((x) => x.key === key);
    return i < 0 ? undefined : i + 1;
  }

  /** Workers running an invocation now. */
  get busy(): number {
    return this.#live().filter((w) => w.held.length > 0).length;
  }

  /** Stops an invocation: dequeued if waiting or not sent yet, its worker killed if sent. */
  abort(key: string): void {
    const qi = this.#queue.findIndex((i) => i.key === key);
    if (qi >= 0) {
      this.#queue.splice(qi, 1)[0]!.reject(new Error("aborted"));
      return;
    }
    for (const w of this.#workers) {
      const oi = w.outbox.findIndex((i) => i.key === key);
      if (oi >= 0) {
        const [inv] = w.outbox.splice(oi, 1);
        w.held.splice(w.held.indexOf(inv!), 1);
        inv!.reject(new Error("aborted"));
        // Its place at that worker is free: what waits in line may take it.
        this.#dispatch();
        return;
      }
      if (w.held.some((i) => i.key === key)) {
        w.aborted.add(key);
        if (!w.exited) {
          w.killed = true;
          w.child.kill("SIGKILL");
        }
        return;
      }
    }
  }

  /** Process ids of the live workers (diagnostics: their CPU time, their logs). */
  get pids(): number[] {
    return this.#live().flatMap((w) => (w.child.pid !== undefined ? [w.child.pid] : []));
  }

  /** Number of live worker processes. */
  get live(): number {
    return this.#live().length;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const i of this.#queue.splice(0)) i.reject(new Error("the warm worker pool is closed"));
    const workers = [...this.#workers];
    for (const w of workers) if (!w.exited) w.child.kill("SIGKILL");
    await Promise.all(workers.map((w) => w.gone));
  }

  #live(): Worker[] {
    return this.#workers.filter((w) => !w.exited);
  }

  /** How many invocations a worker may hold: the pipeline, or fewer as they take longer. */
  #depth(): number {
    if (this.#runMs === undefined) return this.#aheadMs === Number.POSITIVE_INFINITY ? this.#pipeline : 1;
    return Math.min(this.#pipeline, 1 + Math.floor(this.#aheadMs / Math.max(this.#runMs, 0.01)));
  }

  /**
   * Assigns queued invocations, in order, to the live worker holding fewest (a new worker while the pool is not full
   * and every worker holds some); a suspect only to a worker holding nothing, and nothing more to that one.
   */
  #dispatch(): void {
    if (this.#closed) return;
    const depth = this.#depth();
    while (this.#queue.length > 0) {
      const inv = this.#queue[0]!;
      const live = this.#live().filter((x) => !x.held[0]?.suspect);
      let w = live.reduce<Worker | undefined>((a, b) => (a && a.held.length <= b.held.length ? a : b), undefined);
      if ((!w || w.held.length > 0) && this.#live().length < this.size) w = this.#spawn();
      if (!w || w.held.length >= (inv.suspect ? 1 : depth)) break;
      this.#queue.shift();
      w.held.push(inv);
      w.outbox.push(inv);
    }
    this.#flushSoon();
  }

  /** Flushes at the end of this turn of the event loop (once, however many invocations were assigned in it). */
  #flushSoon(): void {
    if (this.#flushing || !this.#workers.some((w) => w.outbox.length > 0)) return;
    this.#flushing = true;
    setImmediate(() => this.#flush());
  }

  /**
   * Sends each worker what was assigned to it, in one message — once it has at most one invocation sent and not
   * reported (the one it runs): until then it has work, and what is assigned meanwhile goes in the same message.
   */
  #flush(): void {
    this.#flushing = false;
    for (const w of this.#workers) {
      if (w.outbox.length === 0 || w.exited || w.held.length - w.outbox.length > 1) continue;
      const jobs = w.outbox.splice(0).map(
        (inv): Job => ({
          id: inv.id,
          args: inv.args,
          env: inv.env,
          ...(inv.logFile ? { logFile: inv.logFile } : {}),
        }),
      );
      const msg: ToWorker = { type: "run", jobs };
      w.child.send(msg);
    }
  }

  #settle(w: Worker, results: WorkerResult[]): void {
    for (const r of results) {
      const i = w.held.findIndex((x) => x.id === r.id);
      if (i < 0) continue;
      const [inv] = w.held.splice(i, 1);
      this.#runMs = this.#runMs === undefined ? r.ms : this.#runMs + ALPHA * (r.ms - this.#runMs);
      if ("failed" in r) inv!.reject(new Error(r.failed));
      else inv!.resolve({ outcome: r.outcome, outputFiles: r.outputFiles });
    }
    // More work, and what was held back for this worker while it had some, goes now that it has reported.
    this.#dispatch();
  }

  /**
   * A worker died, its channel drained (every result it sent is settled). Those aborted fail; the rest, when an abort
   * killed it, go back in line. Otherwise it crashed: the only one sent and not reported (the one it was running)
   * fails; with several, any of them may have crashed it, so each runs again alone. Not sent yet: back in line.
   */
  #died(w: Worker, how: string): void {
    this.#workers.splice(this.#workers.indexOf(w), 1);
    const unsent = new Set(w.outbox.splice(0));
    const held = w.held.splice(0);
    const error = (inv: Invocation) =>
      new Error(`warm worker ${w.child.pid} exited (${how}) while running ${inv.args.task}`);
    const failed = this.#closed ? held : held.filter((i) => w.aborted.has(i.key));
    const rest = held.filter((i) => !failed.includes(i));
    const sent = rest.filter((i) => !unsent.has(i));
    if (!w.killed && sent.length === 1) failed.push(sent[0]!);
    else if (!w.killed) for (const inv of sent) inv.suspect = true;
    for (const inv of failed) inv.reject(error(inv));
    this.#queue.unshift(...rest.filter((i) => !failed.includes(i)));
    this.#dispatch();
  }

  #spawn(): Worker {
    const child = fork(WORKER, [], {
      execArgv: WORKER_EXEC_ARGV,
      env: { ...process.env, ...this.#opts.env },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      ...(this.#opts.cwd && { cwd: this.#opts.cwd }),
    });
    let isReady = () => {};
    let isGone = () => {};
    const w: Worker = {
      child,
      held: [],
      outbox: [],
      exited: false,
      aborted: new Set(),
      killed: false,
      ready: new Promise<void>((r) => (isReady = r)),
      gone: new Promise<void>((r) => (isGone = r)),
    };
    this.#workers.push(w);
    child.on("message", (m: FromWorker) => {
      if (m.type === "ready") isReady();
      else if (m.type === "results") this.#settle(w, m.results);
    });
    let how = "";
    let grace: NodeJS.Timeout | undefined;
    const died = () => {
      if (!this.#workers.includes(w)) return;
      clearTimeout(grace);
      this.#died(w, how);
      isGone();
    };
    child.on("exit", (code, signal) => {
      w.exited = true;
      how = String(signal ?? code);
      isReady();
      // Should a process the task started hold the channel open, "close" would not come.
      grace = setTimeout(died, CLOSE_GRACE_MS);
    });
    // After "exit" and once the IPC channel is closed: every message the worker wrote has been handled.
    child.on("close", died);
    child.on("error", () => undefined);
    return w;
  }
}
