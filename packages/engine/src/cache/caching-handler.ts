// The task node handler with caching around it (upstream flytepropeller/pkg/controller/nodes/cache.go, flyteplugins/go/tasks/pluginmachinery/catalog/hashing.go): after the task (or its dynamic workflow) succeeds, the outputs
// go to the catalog; when an attempt is aborted, a serialized task's reservation is released.
import type { NodeContext, NodeHandler, Transition } from "../nodes/handler.ts";
import { releaseOnAbort, writeOnSuccess } from "./task-cache.ts";

export function withTaskCache(inner: NodeHandler): NodeHandler {
  return {
    finalizeRequired: inner.finalizeRequired,
    async handle(n: NodeContext): Promise<Transition> {
      const t = await inner.handle(n);
      if (t.phase === "Success" && !t.futures) await writeOnSuccess(n);
      return t;
    },
    async abort(n: NodeContext, reason: string): Promise<void> {
      await inner.abort(n, reason);
      await releaseOnAbort(n);
    },
    finalize: (n) => inner.finalize(n),
  };
}
