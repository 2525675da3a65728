// The engine's Kubernetes mode, a second front door beside src/index.ts: FlyteWorkflow resources as the work source,
// leader election, garbage collection, the pod plugin and the secrets webhook. Apart because these load
// @kubernetes/client-node, which `aloft start` (local processes) never uses: importing `@aloft/engine` does not load it.
//
//   const { KubeEngine, KubeWorkflowStore, PodPlugin } = await import("@aloft/engine/kube");
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
export { certsOfSecret, initCerts } from "./webhook/certs.ts";
export type { InitCertsOutcome, WebhookCerts } from "./webhook/certs.ts";
export { MUTATE_PATH, registerWebhook, startWebhookServer } from "./webhook/server.ts";
export type { RegistrationOptions, WebhookServer } from "./webhook/server.ts";
