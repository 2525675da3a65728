// Messages between the warm-worker pool and its worker processes (JSON over the fork IPC channel).
import type { ExecuteArgs, Outcome } from "@aloft/sdk";

/** `logFile`: where the invocation's stdout and stderr go (appended) while it runs; without it they are the worker's. */
export type ToWorker = { type: "run"; id: number; args: ExecuteArgs; env: Record<string, string>; logFile?: string };

export type FromWorker =
  | { type: "ready" }
  /** `outputFiles`: the files the invocation wrote to its output prefix, name → bytes. */
  | { type: "done"; id: number; outcome: Outcome; outputFiles: Record<string, number> }
  | { type: "failed"; id: number; message: string };
