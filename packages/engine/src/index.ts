// The engine's public surface for the composition root.
//
//   const store = new BlobWorkflowStore(blobs);                 // or MemoryWorkflowStore in tests
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
  type StoredStatus,
  type WorkflowStore,
} from "./store/workflow-store.ts";
export { MemoryWorkflowStore } from "./store/memory-workflow-store.ts";
export { BlobWorkflowStore, DEFAULT_ENGINE_STORE_PREFIX } from "./store/blob-workflow-store.ts";
export type { NodeStatus, WorkflowStatus, WorkflowPhase, NodePhase, StatusError } from "./executor/status.ts";
export { storeLauncher } from "./controller/launch-writer.ts";
export { isTerminalWorkflowPhase } from "./executor/status.ts";
export { LocalProcessPlugin, taskLogPath } from "./plugins/local-process/local-process-plugin.ts";
export { resolveRunAs } from "./plugins/local-process/run-as.ts";
export type { RunAs } from "./plugins/local-process/run-as.ts";
export type { CatalogPort, RecoveryPort } from "./ports.ts";
// The FlyteWorkflow custom resource for the Kubernetes mode: build (upstream's transformer + admin's preparation),
// offload, read back.
export * from "./flyteworkflow/index.ts";
// Kubernetes mode: FlyteWorkflow resources as the work source, leader election, garbage collection.
export { KubeWorkflowStore, executionKeyOf, type KubeWorkflowStoreOptions } from "./kube/kube-workflow-store.ts";
export { KubeEngine, type KubeEngineOptions } from "./kube/kube-engine.ts";
export { FlyteWorkflowGarbageCollector, type GarbageCollectorOptions } from "./kube/garbage-collector.ts";
export {
  ACTIVE_SELECTOR as FLYTE_WORKFLOW_ACTIVE_SELECTOR,
  ANNOTATION_ABORT_CAUSE,
  FINALIZER as FLYTE_WORKFLOW_FINALIZER,
  flyteWorkflows,
  LABEL_COMPLETED_TIME,
  LABEL_TERMINATION_STATUS,
} from "./kube/resource.ts";
export { PodPlugin } from "./plugins/k8s-pod/pod-plugin.ts";
export type { PodPluginOptions } from "./plugins/k8s-pod/pod-plugin.ts";
export type { PodPluginConfig, PodTemplateSpec, Toleration, LogTemplate } from "./plugins/k8s-pod/config.ts";
export type { KubernetesLaunch } from "./plugins/plugin.ts";
export { certsOfSecret, initCerts } from "./webhook/certs.ts";
export type { InitCertsOutcome, WebhookCerts } from "./webhook/certs.ts";
export { MUTATE_PATH, registerWebhook, startWebhookServer } from "./webhook/server.ts";
export type { RegistrationOptions, WebhookServer } from "./webhook/server.ts";
