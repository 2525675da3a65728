// A warm worker process: loads each task module once and runs invocations sent by the pool, one at a time in the
// order sent, through the same entrypoint core a fresh process runs. Data is read and written by URI (file:// or
// s3://); local files synchronously (one invocation at a time: nothing else waits on this process's loop, and a file
// read costs a few system calls instead of a trip through libuv's thread pool). Results are reported in batches: those
// finished before the event loop next turns go in one message.
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { performance } from "node:perf_hooks";
import { executeTask } from "@aloft/sdk";
import { uriIo } from "@aloft/sdk";
import { importModule } from "@aloft/sdk";
import { recordingWrites } from "../local/written-files.ts";
import { syncFileIo } from "./sync-file-io.ts";
import type { FromWorker, Job, ToWorker, WorkerResult } from "./protocol.ts";

const modules = new Map<string, Promise<Record<string, unknown>>>();
const load = (m: string) => {
  let p = modules.get(m);
  if (!p) {
    p = importModule(m);
    p.catch(() => modules.delete(m)); // a module that failed to load is tried again next time
    modules.set(m, p);
  }
  return p;
};
const io = syncFileIo(uriIo());
/**
 * The worker's environment, read once: copying process.env (a getter per variable) for every invocation cost more than
 * a no-op task. An invocation gets it plus its own variables; what a task sets in process.env is not passed to the next.
 */
const baseEnv: Record<string, string | undefined> = { ...process.env };
const send = (m: FromWorker) => process.send?.(m);

// While an invocation with a log file runs, stdout and stderr (console.* included) are appended to that file: the
// task's log, served like a process's. One invocation runs at a time, so the file is that invocation's alone.
let logFd: number | undefined;
for (const stream of [process.stdout, process.stderr]) {
  const original = stream.write.bind(stream) as (...a: unknown[]) => boolean;
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (logFd === undefined) return original(chunk, ...rest);
    try {
      if (typeof chunk === "string") writeSync(logFd, chunk);
      else writeSync(logFd, chunk);
    } catch {
      // a log that cannot be written never fails the task
    }
    const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof stream.write;
}

function openLog(file: string | undefined): void {
  if (!file) return;
  try {
    mkdirSync(dirname(file), { recursive: true });
    logFd = openSync(file, "a");
  } catch {
    logFd = undefined;
  }
}

function closeLog(): void {
  if (logFd !== undefined) closeSync(logFd);
  logFd = undefined;
}

/** Jobs sent and not started, in order; the results not reported yet. */
const queue: Job[] = [];
let running = false;
let results: WorkerResult[] = [];
let reporting = false;

function report(): void {
  reporting = false;
  if (results.length === 0) return;
  send({ type: "results", results });
  results = [];
}

async function runOne(job: Job): Promise<WorkerResult> {
  const start = performance.now();
  openLog(job.logFile);
  const recording = recordingWrites(io, job.args.outputPrefix);
  try {
    const outcome = await executeTask(job.args, { io: recording.io, env: { ...baseEnv, ...job.env }, load });
    return { id: job.id, ms: performance.now() - start, outcome, outputFiles: recording.files };
  } catch (e) {
    return { id: job.id, ms: performance.now() - start, failed: (e as Error)?.stack ?? String(e) };
  } finally {
    closeLog();
  }
}

async function drain(): Promise<void> {
  running = true;
  for (let job = queue.shift(); job; job = queue.shift()) {
    results.push(await runOne(job));
    if (!reporting) {
      reporting = true;
      setImmediate(report);
    }
  }
  running = false;
}

process.on("message", (msg: ToWorker) => {
  if (msg.type !== "run") return;
  queue.push(...msg.jobs);
  if (!running) void drain();
});
process.on("disconnect", () => process.exit(0));
send({ type: "ready" });
