// A warm worker process: loads each task module once and runs invocations sent by the pool, one at a time, through
// the same entrypoint core a fresh process runs. Data is read and written by URI (file:// or s3://).
import { executeTask } from "@aloft/sdk";
import { uriIo } from "@aloft/sdk";
import { importModule } from "@aloft/sdk";
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

process.on("message", (msg: ToWorker) => {
  if (msg.type !== "run") return;
  executeTask(msg.args, { io, env: { ...process.env, ...msg.env }, load }).then(
    (outcome) => send({ type: "done", id: msg.id, outcome }),
    (e: unknown) => send({ type: "failed", id: msg.id, message: (e as Error)?.stack ?? String(e) }),
  );
});
process.on("disconnect", () => process.exit(0));
send({ type: "ready" });
