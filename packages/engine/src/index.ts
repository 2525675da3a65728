// The engine's public surface for the composition root.
//
//   const store = new LocalWorkflowStore(localBlobs);            // BlobWorkflowStore(blobs) on S3; MemoryWorkflowStore in tests
//   const engine = new Engine({ store, blobs, sink, plugins: [localProcessPlugin], logger, config: { workers: 4 } });
//   await engine.start();                                        // resumes every unfinished execution
//   await engine.launch({ executionId, closure, inputs, spec }); // idempotent
//   await engine.abort(executionId, cause);                      // converges to ABORTED
//   await engine.stop();                                         // graceful: rounds in progress finish
export { Engine, type EngineOptions, type LaunchRequest } from "./controller/engine.ts";
export { DEFAULT_ENGINE_CONFIG, engineConfig, type EngineConfig } from "./config.ts";
export type { ChildExecutionPort, EventSink, SignalPort } from "./ports.ts";
export { PluginRegistry } from "./plugins/registry.ts";
export { NOOP_ENGINE_METRICS, type EngineMetrics } from "./metrics/engine-metrics.ts";
export { createEngineMetrics, ENGINE_METRICS_PREFIX } from "./metrics/prom-engine-metrics.ts";
export type { TaskPlugin, TaskExecutionContext, PluginStatus, PluginPhase, PluginState } from "./plugins/plugin.ts";
export {
  executionKey,
  type ExecutionKey,
  type ExecutionSpec,
  type LaunchSpec,
  type StatusChanges,
  type StoredStatus,
  type WorkflowStore,
} from "./store/workflow-store.ts";
export { MemoryWorkflowStore } from "./store/memory-workflow-store.ts";
export { BlobWorkflowStore, DEFAULT_ENGINE_STORE_PREFIX } from "./store/blob-workflow-store.ts";
export { LocalWorkflowStore } from "./store/local-workflow-store.ts";
export type { NodeStatus, WorkflowStatus, WorkflowPhase, NodePhase, StatusError } from "./executor/status.ts";
export { storeLauncher } from "./controller/launch-writer.ts";
export { isTerminalWorkflowPhase } from "./executor/status.ts";
export { LocalProcessPlugin, taskLogPath } from "./plugins/local-process/local-process-plugin.ts";
export { Spawner } from "./plugins/local-process/spawner.ts";
export { resolveRunAs } from "./plugins/local-process/run-as.ts";
export type { RunAs } from "./plugins/local-process/run-as.ts";
export type { CatalogPort, RecoveryPort } from "./ports.ts";
// The FlyteWorkflow custom resource for the Kubernetes mode: build (upstream's transformer + admin's preparation),
// offload, read back.
export * from "./flyteworkflow/index.ts";
// Kubernetes mode (FlyteWorkflow resources as the work source, leader election, garbage collection, the pod plugin, the
// secrets webhook): `@aloft/engine/kube` (src/kube.ts), so that what imports this front door does not load the
// Kubernetes client.
export type { KubernetesLaunch } from "./plugins/plugin.ts";
// copilot's halves for raw containers, shared by the local runtime and `aloft copilot download|upload` in pods.
export { downloadInputs } from "./plugins/local-process/copilot-download.ts";
export { uploadOutputs } from "./plugins/local-process/copilot-upload.ts";
