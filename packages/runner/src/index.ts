// @aloft/runner: what runs @aloft/sdk tasks on the Aloft engine. It sits above both the SDK and the engine, so that
// the authoring SDK (types, builders, serialization, the task entrypoint) stays free of the engine.
export { runLocal, LOCAL_MODULE, type RunLocalOptions } from "./local/run-local.ts";
export type { SignalValue } from "./local/local-ports.ts";
export { InProcessPlugin, type InProcessPluginOptions } from "./local/in-process-plugin.ts";
export { WarmWorkerPlugin, type WarmWorkerPluginOptions } from "./warm/warm-worker-plugin.ts";
export { WorkerPool, type WorkerPoolOptions } from "./warm/worker-pool.ts";
