// The pod plugin's configuration: upstream's `plugins.k8s` section (flyteplugins/go/tasks/pluginmachinery/flytek8s/config/config.go)
// and `tasks.logs` (flyteplugins/go/tasks/logs/config.go), with upstream's defaults.

/** A Kubernetes toleration (core/v1). */
export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal";
  value?: string;
  effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  tolerationSeconds?: number;
}

/** A node selector requirement (core/v1 NodeSelectorRequirement). */
export interface NodeSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";
  values?: string[];
}

/** A log link template: `{{ .podName }}`-style variables (log-links.ts). */
export interface LogTemplate {
  displayName: string;
  templateUri: string;
}

/** A PodTemplate's `template` (metadata + spec), as a JSON object of core/v1. */
export interface PodTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

export interface PodPluginConfig {
  /** Namespace of an execution's pods when the launch names none (`{{ project }}`, `{{ domain }}`). */
  namespaceTemplate: string;
  /** Platform default requests when admin gives none (`default-cpus`, `default-memory`). */
  defaultCpus: string;
  defaultMemory: string;
  /** What the generic `gpu` resource is called (`gpu-resource-name`). */
  gpuResourceName: string;
  /** Node label naming a node's GPU model: a task's `gpu_accelerator.device` requires it (`gpu-device-node-label`). */
  gpuDeviceNodeLabel: string;
  /** Node label naming a node's GPU partition size (`gpu-partition-size-node-label`). */
  gpuPartitionSizeNodeLabel: string;
  /** Required of the node for `unpartitioned` GPUs (`gpu-unpartitioned-node-selector-requirement`; default: no partition label). */
  gpuUnpartitionedNodeSelectorRequirement?: NodeSelectorRequirement;
  /** Added to pods asking for `unpartitioned` GPUs (`gpu-unpartitioned-toleration`). */
  gpuUnpartitionedToleration?: Toleration;
  defaultLabels: Record<string, string>;
  defaultAnnotations: Record<string, string>;
  defaultEnvVars: Record<string, string>;
  defaultTolerations: Toleration[];
  /** Tolerations added to pods that request a resource (`resource-tolerations`, e.g. `{"nvidia.com/gpu": [...]}`). */
  resourceTolerations: Record<string, Toleration[]>;
  defaultNodeSelector: Record<string, string>;
  /** Added to pods of interruptible attempts (`interruptible-tolerations`, `interruptible-node-selector`). */
  interruptibleTolerations: Toleration[];
  interruptibleNodeSelector: Record<string, string>;
  /** Added to pods of non-interruptible attempts (`non-interruptible-node-selector`). */
  nonInterruptibleNodeSelector: Record<string, string>;
  schedulerName: string;
  imagePullPolicy: "" | "Always" | "IfNotPresent" | "Never";
  /** Every pod starts from this template (upstream's `default-pod-template-name`, resolved here to its content). */
  defaultPodTemplate?: PodTemplateSpec;
  /** Templates a task may name by `metadata.pod_template_name`. */
  podTemplates: Record<string, PodTemplateSpec>;
  /** Grace before a CreateContainerError / ImagePullBackOff fails the attempt (`create-container-error-grace-period`…). */
  createContainerErrorGraceMs: number;
  imagePullBackoffGraceMs: number;
  /** A pod pending longer than this fails the attempt (0 = never; `pod-pending-timeout`). */
  podPendingTimeoutMs: number;
  /** While an attempt waits for its pod, report the pod's Warning events as the task event's reasons (needs `list events`). */
  reportPodEvents: boolean;
  /** Delete the pod when the attempt is finalized (`delete-resource-on-finalize`); otherwise the owner's deletion does. */
  deleteOnFinalize: boolean;
  /** Log links (`tasks.logs`): the kubernetes dashboard link when `kubernetesUrl` is set, then each template. */
  logs: { kubernetesUrl?: string; templates: LogTemplate[] };
  /** Image of copilot's containers (raw containers with a data config): the platform's own (`copilotImage`). */
  copilotImage: string;
  /** Their command, before `copilot download|upload …`: the image's entrypoint, `aloft` (`copilotCommand`). */
  copilotCommand: string[];
  /**
   * Environment of copilot's containers: the engine's storage settings as ALOFT_STORAGE__* (filled in by the server
   * from its configuration), so that they read inputs from and write outputs to the same blob store.
   */
  copilotEnv: Record<string, string>;
  /** The console, for FLYTE_EXECUTION_URL (tasks whose config has `link_type`). */
  consoleUrl?: string;
}

/** The platform's image (the chart's `image.repository`), whose entrypoint is `aloft`. */
export const DEFAULT_COPILOT_IMAGE = "ghcr.io/aloft/aloft:latest";

export const DEFAULT_POD_PLUGIN_CONFIG: PodPluginConfig = {
  namespaceTemplate: "{{ project }}-{{ domain }}",
  defaultCpus: "1000m",
  defaultMemory: "1024Mi",
  gpuResourceName: "nvidia.com/gpu",
  gpuDeviceNodeLabel: "k8s.amazonaws.com/accelerator",
  gpuPartitionSizeNodeLabel: "k8s.amazonaws.com/gpu-partition-size",
  defaultLabels: {},
  defaultAnnotations: { "cluster-autoscaler.kubernetes.io/safe-to-evict": "false" },
  defaultEnvVars: {},
  defaultTolerations: [],
  resourceTolerations: {},
  defaultNodeSelector: {},
  interruptibleTolerations: [],
  interruptibleNodeSelector: {},
  nonInterruptibleNodeSelector: {},
  schedulerName: "",
  imagePullPolicy: "",
  podTemplates: {},
  createContainerErrorGraceMs: 3 * 60_000,
  imagePullBackoffGraceMs: 3 * 60_000,
  podPendingTimeoutMs: 0,
  reportPodEvents: true,
  deleteOnFinalize: false,
  logs: { templates: [] },
  copilotImage: DEFAULT_COPILOT_IMAGE,
  copilotCommand: ["node", "/opt/aloft/packages/server/bin/aloft.mjs"],
  copilotEnv: {},
};
