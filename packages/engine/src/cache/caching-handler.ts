// The task node handler with caching around it (§4.2.6): after the task (or its dynamic workflow) succeeds, the outputs
// go to the catalog; after a permanent failure, a serialized task's reservation is released.
import type { NodeContext, NodeHandler, Transition } from "../nodes/handler.ts";
import { releaseOnFailure, writeOnSuccess } from "./task-cache.ts";

export function withTaskCache(inner: NodeHandler): NodeHandler {
  return {
    finalizeRequired: inner.finalizeRequired,
    async handle(n: NodeContext): Promise<Transition> {
      const t = await inner.handle(n);
      if (t.phase === "Success" && !t.futures) await writeOnSuccess(n);
      else if (t.phase === "Failed") await releaseOnFailure(n);
      return t;
    },
    abort: (n, reason) => inner.abort(n, reason),
    finalize: (n) => inner.finalize(n),
  };
}
