// The adapters between admin and engine through Kubernetes: admin's WorkflowExecutor that creates a FlyteWorkflow
// resource per launch (flyteadmin/pkg/workflowengine/impl/k8s_executor.go: built by the transformer, prepared with
// what admin adds, the static part offloaded when large, created in the project-domain's namespace; AlreadyExists is
// success; abort deletes it with Background propagation, NotFound is success), and the engine's Kubernetes mode built
// from the configuration (FlyteWorkflow informer as the work source, Lease leader election, garbage collection).
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { create } from "@bufbuild/protobuf";
import {
  WorkflowExecutionConfigSchema,
  type TaskResourceSpec,
} from "@aloft/idl/flyteidl/admin/matchable_resource_pb.js";
import type { WorkflowExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { namespaceFor, type AloftConfig, type BlobStore, type Clock, type Logger } from "@aloft/core";
import { createKubeApi, isAlreadyExists, isNotFound, loadKubeConfig, type KubeApi, type KubeObject } from "@aloft/kube";
import type { ExecuteInput, WorkflowExecutor } from "@aloft/admin";
import {
  buildFlyteWorkflow,
  offloadStaticPart,
  prepareFlyteWorkflow,
  type Engine,
  type TaskResourceAttributes,
} from "@aloft/engine";
import {
  ANNOTATION_ABORT_CAUSE,
  FLYTE_WORKFLOW_FINALIZER,
  FlyteWorkflowGarbageCollector,
  flyteWorkflows,
  KubeEngine,
  KubeWorkflowStore,
} from "@aloft/engine/kube";
import { createEngine, type EngineWiringDeps } from "./engine.ts";

/** The KubeConfig of `kubernetes.kubeconfig`, or client-node's default loading. */
export function kubeConfigOf(config: AloftConfig): ReturnType<typeof loadKubeConfig> {
  return loadKubeConfig(config.kubernetes.kubeconfig || undefined);
}

/** `{{ project }}-{{ domain }}` filled in (admin's namespace_mapping.template). */
const namespaceOf = (template: string, id: { project: string; domain: string }) =>
  namespaceFor(template, id.project, id.domain);

const resourceAttrs = (s: TaskResourceSpec | undefined): TaskResourceAttributes => ({
  cpu: s?.cpu ?? "",
  memory: s?.memory ?? "",
  ephemeralStorage: s?.ephemeralStorage ?? "",
  storage: s?.storage ?? "",
  gpu: s?.gpu ?? "",
});

export interface KubeExecutorOptions {
  api: KubeApi;
  blobs: BlobStore;
  namespaceTemplate: string;
  /** Offload the static part above this many bytes; 0 = always (upstream's useOffloadedWorkflowClosure). */
  offloadAboveBytes: number;
  /** Where offloaded closures are written (admin's metadata prefix). */
  metadataPrefix: readonly string[];
  /** The cluster reported back to admin (the kubeconfig's context). */
  cluster: string;
  logger: Logger;
}

/** Admin's WorkflowExecutor over Kubernetes (config `executor: kubernetes`). */
export class KubeWorkflowExecutor implements WorkflowExecutor {
  readonly name = "kubernetes";
  readonly #o: KubeExecutorOptions;

  constructor(options: KubeExecutorOptions) {
    this.#o = options;
  }

  /** The resource admin creates for a launch (exported for tests and tools). */
  async resourceFor(input: ExecuteInput): Promise<KubeObject> {
    const id = input.executionId;
    // Admin filled the template in already (system_metadata.namespace), as upstream's ExecutionData.Namespace.
    const namespace = input.namespace || namespaceOf(this.#o.namespaceTemplate, id);
    const spec = input.spec;
    const built = buildFlyteWorkflow(input.closure, input.inputs, id, namespace);
    const wec = create(WorkflowExecutionConfigSchema, {
      maxParallelism: spec.maxParallelism,
      overwriteCache: spec.overwriteCache,
      ...(spec.securityContext ? { securityContext: spec.securityContext } : {}),
      ...(spec.rawOutputDataConfig ? { rawOutputDataConfig: spec.rawOutputDataConfig } : {}),
      ...(spec.interruptible !== undefined ? { interruptible: spec.interruptible } : {}),
      ...(spec.envs ? { envs: spec.envs } : {}),
    });
    const prepared = prepareFlyteWorkflow(built, {
      executionId: id,
      acceptedAt: input.createdAt.getTime(),
      executionConfig: wec,
      labels: spec.labels?.values ?? {},
      annotations: spec.annotations?.values ?? {},
      eventVersion: input.eventVersion,
      ...(input.pluginOverrides ? { taskPluginOverrides: input.pluginOverrides } : {}),
      ...(input.recoveryExecution ? { recoveryExecution: input.recoveryExecution } : {}),
      ...(input.taskResources
        ? {
            taskResources: {
              defaults: resourceAttrs(input.taskResources.defaults),
              limits: resourceAttrs(input.taskResources.limits),
            },
          }
        : {}),
      ...(spec.rawOutputDataConfig ? { rawOutputDataConfig: spec.rawOutputDataConfig } : {}),
    });
    const wf = await offloadStaticPart(prepared, {
      blobs: this.#o.blobs,
      closure: input.closure,
      closureKey: [...this.#o.metadataPrefix, id.project, id.domain, id.name, "flyteworkflow_closure.pb"].join("/"),
      maxStaticBytes: this.#o.offloadAboveBytes,
      alwaysOffload: this.#o.offloadAboveBytes === 0,
    });
    // The CRD's kind (upstream's Go constant is lower case; the API server answers with the CRD's). The engine's
    // finalizer from the start (upstream: added by propeller's first round), so that a terminate before any engine
    // picked the resource up still ends ABORTED instead of leaving the execution ABORTING with nothing to report it.
    const obj = wf as unknown as KubeObject;
    return { ...obj, kind: "FlyteWorkflow", metadata: { ...obj.metadata, finalizers: [FLYTE_WORKFLOW_FINALIZER] } };
  }

  async execute(input: ExecuteInput): Promise<{ cluster: string }> {
    const obj = await this.resourceFor(input);
    try {
      await this.#o.api.create(flyteWorkflows, obj);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    return { cluster: this.#o.cluster };
  }

  async abort(input: { executionId: WorkflowExecutionIdentifier; cluster: string; cause: string }): Promise<void> {
    const namespace = namespaceOf(this.#o.namespaceTemplate, input.executionId);
    const name = input.executionId.name;
    try {
      // The cause travels with the resource, so that the engine's ABORTED event carries it (Aloft).
      const annotations = { [ANNOTATION_ABORT_CAUSE]: input.cause };
      await this.#o.api.patch(flyteWorkflows, name, { metadata: { annotations } }, { namespace });
      await this.#o.api.delete(flyteWorkflows, name, { namespace, propagationPolicy: "Background" });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** The Kubernetes executor admin uses with `executor: kubernetes`. */
export function kubeExecutorFromConfig(config: AloftConfig, blobs: BlobStore, logger: Logger): KubeWorkflowExecutor {
  const kc = kubeConfigOf(config);
  return new KubeWorkflowExecutor({
    api: createKubeApi(kc, { fieldManager: "aloft-admin" }),
    blobs,
    namespaceTemplate: config.kubernetes.namespaceTemplate,
    offloadAboveBytes: config.kubernetes.offloadAboveBytes,
    metadataPrefix: config.metadataStoragePrefix,
    cluster: kc.getCurrentContext() || "kubernetes",
    logger,
  });
}

export interface KubeEngineWiring {
  kube: KubeEngine;
  engine: Engine;
  store: KubeWorkflowStore;
  gc: FlyteWorkflowGarbageCollector;
}

/**
 * The engine's Kubernetes mode: the usual engine (plugins, ports) over FlyteWorkflow resources, under leader election
 * when configured. `identity` names this replica in the Lease (default: host name + random suffix, as client-go).
 */
export function createKubeEngine(
  deps: Omit<EngineWiringDeps, "store" | "resyncIntervalMs"> & { api: KubeApi; identity?: string; clock: Clock },
): KubeEngineWiring {
  const k = deps.config.kubernetes;
  const logger = deps.logger.child({ component: "kube-engine" });
  const store = new KubeWorkflowStore({
    api: deps.api,
    blobs: deps.blobStore,
    clock: deps.clock,
    logger,
    resyncPeriodMs: k.resyncSeconds * 1000,
    ...(k.limitNamespace ? { namespace: k.limitNamespace } : {}),
    ...(k.shardSelector ? { shardSelector: k.shardSelector } : {}),
  });
  const engine = createEngine({ ...deps, store });
  const gc = new FlyteWorkflowGarbageCollector({
    api: deps.api,
    clock: deps.clock,
    logger,
    ttlHours: k.gc.ttlHours,
    ...(k.limitNamespace ? { namespace: k.limitNamespace } : {}),
    ...(k.shardSelector ? { shardSelector: k.shardSelector } : {}),
  });
  const le = k.leaderElection;
  const kube = new KubeEngine({
    api: deps.api,
    engine,
    store,
    logger,
    gc: { collector: gc, intervalMs: k.gc.intervalSeconds * 1000 },
    ...(le.enabled
      ? {
          leaderElection: {
            namespace: le.namespace,
            name: le.leaseName,
            identity: deps.identity ?? `${hostname()}_${randomBytes(4).toString("hex")}`,
            leaseDurationMs: le.leaseDurationSeconds * 1000,
            renewDeadlineMs: le.renewDeadlineSeconds * 1000,
            retryPeriodMs: le.retryPeriodSeconds * 1000,
            clock: deps.clock,
          },
        }
      : {}),
  });
  return { kube, engine, store, gc };
}
