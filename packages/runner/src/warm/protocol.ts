// Messages between the warm-worker pool and its worker processes (JSON over the fork IPC channel). Both directions
// carry batches: the pool sends each worker the invocations assigned to it since its last send in one message, and a
// worker reports the invocations it finished since its last report in one message — one write (and one wake-up of
// the other side) per batch instead of per invocation.
import type { ExecuteArgs, Outcome } from "@aloft/sdk";

/** `logFile`: where the invocation's stdout and stderr go (appended) while it runs; without it they are the worker's. */
export interface Job {
  id: number;
  args: ExecuteArgs;
  env: Record<string, string>;
  logFile?: string;
}

/** A worker runs the jobs of a batch one at a time, in order, after those it already has. */
export type ToWorker = { type: "run"; jobs: Job[] };

/**
 * How an invocation ended, `ms` the time it ran in the worker. `outputFiles`: the files it wrote to its output prefix,
 * name → bytes; `failed`: why the entrypoint itself failed (not a task error, which is in error.pb).
 */
export type WorkerResult =
  | { id: number; ms: number; outcome: Outcome; outputFiles: Record<string, number> }
  | { id: number; ms: number; failed: string };

/** Results come in the order the worker ran the jobs. */
export type FromWorker = { type: "ready" } | { type: "results"; results: WorkerResult[] };
