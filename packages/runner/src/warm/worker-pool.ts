// A pool of long-lived worker processes (child_process.fork) that run TypeScript task invocations, so that a task
// costs an IPC round trip instead of a process start and a module load. Each worker runs one invocation at a time;
// invocations queue for the first free worker (and say where they are in line). What an invocation prints goes to its
// own log file when the caller names one. A worker that dies fails its invocation (the plugin reports a
// retryable SYSTEM failure) and is replaced on demand; abort kills the worker running the invocation.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ExecuteArgs } from "@aloft/sdk";
import type { JobResult } from "../local/job-plugin.ts";
import type { FromWorker, ToWorker } from "./protocol.ts";

export interface WorkerPoolOptions {
  /** Worker processes (default 2). */
  size?: number;
  /** Extra environment for the workers. */
  env?: Record<string, string>;
  /** Working directory of the workers (module paths resolve against it). */
  cwd?: string;
}

interface Invocation {
  id: number;
  key: string;
  args: ExecuteArgs;
  env: Record<string, string>;
  logFile?: string;
  resolve(r: JobResult): void;
  reject(e: Error): void;
}

interface Worker {
  child: ChildProcess;
  current?: Invocation;
  dead: boolean;
  /** Settles once the worker said it is ready (or died first). */
  ready: Promise<void>;
}

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
  readonly #workers: Worker[] = [];
  readonly #queue: Invocation[] = [];
  #next = 1;
  #closed = false;

  constructor(options: WorkerPoolOptions = {}) {
    this.size = options.size ?? 2;
    this.#opts = options;
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
    this.#workers.splice(0, this.#workers.length, ...this.#workers.filter((x) => !x.dead));
    while (this.#workers.length < this.size) this.#spawn();
    await Promise.all(this.#workers.map((w) => w.ready));
  }

  /** Where an invocation waits for a free worker: its place in line (1 = next), or undefined when not waiting. */
  placeInLine(key: string): number | undefined {
    const i = this.#queue.findIndex((x) => x.key === key);
    return i < 0 ? undefined : i + 1;
  }

  /** Workers running an invocation now. */
  get busy(): number {
    return this.#workers.filter((w) => !w.dead && w.current).length;
  }

  /** Stops an invocation: dequeued if waiting, its worker killed if running. */
  abort(key: string): void {
    const qi = this.#queue.findIndex((i) => i.key === key);
    if (qi >= 0) {
      this.#queue.splice(qi, 1)[0]!.reject(new Error("aborted"));
      return;
    }
    const w = this.#workers.find((x) => x.current?.key === key);
    if (w) w.child.kill("SIGKILL");
  }

  /** Process ids of the live workers (diagnostics: their CPU time, their logs). */
  get pids(): number[] {
    return this.#workers.flatMap((w) => (!w.dead && w.child.pid !== undefined ? [w.child.pid] : []));
  }

  /** Number of live worker processes. */
  get live(): number {
    return this.#workers.filter((w) => !w.dead).length;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const i of this.#queue.splice(0)) i.reject(new Error("the warm worker pool is closed"));
    await Promise.all(
      this.#workers.map(
        (w) =>
          new Promise<void>((res) => {
            if (w.dead) return res();
            w.child.once("exit", () => res());
            w.child.kill("SIGKILL");
          }),
      ),
    );
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let w = this.#workers.find((x) => !x.dead && !x.current);
      if (!w) {
        this.#workers.splice(0, this.#workers.length, ...this.#workers.filter((x) => !x.dead));
        if (this.#workers.length >= this.size) return;
        w = this.#spawn();
      }
      const inv = this.#queue.shift()!;
      w.current = inv;
      const msg: ToWorker = {
        type: "run",
        id: inv.id,
        args: inv.args,
        env: inv.env,
        ...(inv.logFile ? { logFile: inv.logFile } : {}),
      };
      w.child.send(msg);
    }
  }

  #spawn(): Worker {
    const child = fork(WORKER, [], {
      execArgv: WORKER_EXEC_ARGV,
      env: { ...process.env, ...this.#opts.env },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      ...(this.#opts.cwd && { cwd: this.#opts.cwd }),
    });
    let isReady = () => {};
    const w: Worker = { child, dead: false, ready: new Promise<void>((r) => (isReady = r)) };
    this.#workers.push(w);
    child.on("message", (m: FromWorker) => {
      if (m.type === "ready") return isReady();
      const inv = w.current;
      if (!inv || inv.id !== m.id) return;
      w.current = undefined;
      if (m.type === "done") inv.resolve({ outcome: m.outcome, outputFiles: m.outputFiles });
      else inv.reject(new Error(m.message));
      this.#dispatch();
    });
    child.on("exit", (code, signal) => {
      w.dead = true;
      isReady();
      const inv = w.current;
      w.current = undefined;
      inv?.reject(new Error(`warm worker ${child.pid} exited (${signal ?? code}) while running ${inv.args.task}`));
      if (!this.#closed) this.#dispatch();
    });
    child.on("error", () => undefined);
    return w;
  }
}
