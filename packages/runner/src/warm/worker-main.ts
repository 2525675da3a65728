// A warm worker process: loads each task module once and runs invocations sent by the pool, one at a time, through
// the same entrypoint core a fresh process runs. Data is read and written by URI (file:// or s3://).
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { executeTask } from "@aloft/sdk";
import { uriIo } from "@aloft/sdk";
import { importModule } from "@aloft/sdk";
import { recordingWrites } from "../local/written-files.ts";
import type { FromWorker, ToWorker } from "./protocol.ts";

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
const io = uriIo();
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

process.on("message", (msg: ToWorker) => {
  if (msg.type !== "run") return;
  openLog(msg.logFile);
  const recording = recordingWrites(io, msg.args.outputPrefix);
  executeTask(msg.args, { io: recording.io, env: { ...process.env, ...msg.env }, load }).then(
    (outcome) => {
      closeLog();
      send({ type: "done", id: msg.id, outcome, outputFiles: recording.files });
    },
    (e: unknown) => {
      closeLog();
      send({ type: "failed", id: msg.id, message: (e as Error)?.stack ?? String(e) });
    },
  );
});
process.on("disconnect", () => process.exit(0));
send({ type: "ready" });
