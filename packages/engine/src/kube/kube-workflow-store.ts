// The engine's work source in Kubernetes mode: FlyteWorkflow resources seen through an informer (unfinished ones only,
// as propeller's selector), read into execution specs (an offloaded static part through the blob store), their status
// written back with the object (the CRD has no status subresource, as upstream's). A write carries the
// resourceVersion read: on a 409 the resource is re-read, and when its status is still the one the round started
// from (someone else changed metadata: admin's delete, a label) the same status is re-applied, so no transition is
// lost; a status someone else moved is a conflict the engine answers by re-reading (a round error, replayed).
import { AloftError, Code, type BlobStore, type Clock, type Logger, failedPrecondition, notFound } from "@aloft/core";
import { Informer, isConflict, isNotFound, type KubeApi, type KubeObject, objectKey, splitKey } from "@aloft/kube";
import { isTerminalWorkflowPhase, type WorkflowStatus } from "../executor/status.ts";
import { readFlyteWorkflow } from "../flyteworkflow/read.ts";
import type { FlyteWorkflow } from "../flyteworkflow/types.ts";
import type { ExecutionSpec, StoredStatus, WorkflowStore } from "../store/workflow-store.ts";
import {
  ACTIVE_SELECTOR,
  ANNOTATION_ABORT_CAUSE,
  FINALIZER,
  flyteWorkflows,
  hourBucket,
  LABEL_COMPLETED_TIME,
  LABEL_TERMINATION_STATUS,
  TERMINATED,
} from "./resource.ts";
import { decodeStatus, encodeStatus } from "./status-codec.ts";

export interface KubeWorkflowStoreOptions {
  api: KubeApi;
  /** Where offloaded static parts live (admin's blob store). */
  blobs: BlobStore;
  clock: Clock;
  logger: Logger;
  /** Watch one namespace only (propeller's `limit-namespace`); default all. */
  namespace?: string;
  /** A label selector added to the informer's, e.g. `shard-key in (0,1,2)`: this engine's shard. */
  shardSelector?: string;
  /** Informer resync (propeller's `workflow-reeval-duration`); 0 = none. */
  resyncPeriodMs?: number;
  /** Re-reads and re-applies after 409s before the write is given up as a round error. Default 5. */
  maxConflictRetries?: number;
}

/** Counters for tests and the benchmark. */
export interface KubeStoreStats {
  writes: number;
  conflictsRetried: number;
  conflictsLost: number;
}

/** A numeric resourceVersion (etcd's revision, and the test server's) orders writes; otherwise the newest seen wins. */
/** The engine's key of a resource: `<project>/<domain>/<name>` of its execution (admin sets `executionId`). */
export function executionKeyOf(obj: KubeObject): string {
  const id = obj["executionId"] as { project?: string; domain?: string; name?: string } | undefined;
  const labels = obj.metadata.labels ?? {};
  if (id?.name) return `${id.project ?? ""}/${id.domain ?? ""}/${id.name}`;
  return `${labels["project"] ?? ""}/${labels["domain"] ?? ""}/${obj.metadata.name ?? ""}`;
}

function newer(a: KubeObject, b: KubeObject | undefined): boolean {
  if (!b) return true;
  const x = Number(a.metadata.resourceVersion);
  const y = Number(b.metadata.resourceVersion);
  return Number.isFinite(x) && Number.isFinite(y) ? x >= y : true;
}

export class KubeWorkflowStore implements WorkflowStore {
  readonly #o: KubeWorkflowStoreOptions;
  #informer: Informer<KubeObject> | undefined;
  /** Objects this instance wrote or re-read, newer than the informer's copy until its watch catches up. */
  readonly #fresh = new Map<string, KubeObject>();
  /** The resourceVersion of this instance's last write per key: the informer's echo of it wakes nobody. */
  readonly #ownWrites = new Map<string, string>();
  #wake: ((key: string) => void) | undefined;
  readonly stats: KubeStoreStats = { writes: 0, conflictsRetried: 0, conflictsLost: 0 };

  constructor(options: KubeWorkflowStoreOptions) {
    this.#o = options;
  }

  /** Lists and watches the resources; resolves once the first list is cached. */
  async start(): Promise<void> {
    if (this.#informer) return;
    const informer = new Informer<KubeObject>(this.#o.api, flyteWorkflows, {
      labelSelector: this.#o.shardSelector ? `${ACTIVE_SELECTOR},${this.#o.shardSelector}` : ACTIVE_SELECTOR,
      indexers: { execution: (obj) => [executionKeyOf(obj)] },
      logger: this.#o.logger,
      ...(this.#o.namespace ? { namespace: this.#o.namespace } : {}),
      ...(this.#o.resyncPeriodMs ? { resyncPeriodMs: this.#o.resyncPeriodMs } : {}),
    });
    informer.addHandlers({
      onAdd: (obj) => this.#changed(obj),
      onUpdate: (old, obj) => {
        // The echo of this instance's own write is not news (a resync, old === obj, always is).
        if (old !== obj && this.#ownWrites.get(executionKeyOf(obj)) === obj.metadata.resourceVersion) return;
        this.#changed(obj);
      },
      onDelete: (obj) => {
        const key = executionKeyOf(obj);
        this.#fresh.delete(key);
        this.#ownWrites.delete(key);
      },
    });
    this.#informer = informer;
    informer.start();
    await informer.waitForSync();
  }

  async stop(): Promise<void> {
    const informer = this.#informer;
    this.#informer = undefined;
    await informer?.stop();
    this.#fresh.clear();
    this.#ownWrites.clear();
  }

  subscribe(wake: (key: string) => void): () => void {
    this.#wake = wake;
    return () => {
      if (this.#wake === wake) this.#wake = undefined;
    };
  }

  #changed(obj: KubeObject): void {
    if (isTerminalWorkflowPhase(decodeStatus(obj).status.phase) && !obj.metadata.deletionTimestamp) return;
    this.#wake?.(executionKeyOf(obj));
  }

  /** The newest copy known: the informer's, or this instance's own write when the watch has not delivered it yet. */
  #object(key: string): KubeObject | undefined {
    const cached = this.#cached(key);
    const fresh = this.#fresh.get(key);
    if (fresh && newer(fresh, cached)) return fresh;
    if (fresh) this.#fresh.delete(key);
    return cached;
  }

  #cached(key: string): KubeObject | undefined {
    return this.#informer?.store.byIndex("execution", key)[0];
  }

  #remember(key: string, obj: KubeObject): void {
    const cached = this.#cached(key);
    if (newer(obj, cached)) this.#fresh.set(key, obj);
  }

  async create(): Promise<boolean> {
    throw failedPrecondition(
      "engine.kubernetes_launch",
      "in Kubernetes mode executions are launched by admin's Kubernetes executor (a FlyteWorkflow resource)",
    );
  }

  async getSpec(key: string): Promise<ExecutionSpec | undefined> {
    const obj = this.#object(key);
    if (!obj) return undefined;
    return readFlyteWorkflow(obj as unknown as FlyteWorkflow, this.#o.blobs);
  }

  async getStatus(key: string): Promise<StoredStatus | undefined> {
    const obj = this.#object(key);
    return obj ? decodeStatus(obj) : undefined;
  }

  async updateStatus(key: string, status: WorkflowStatus, expectedVersion: number): Promise<number> {
    let base = this.#object(key);
    if (!base) throw notFound("engine.workflow_not_found", `FlyteWorkflow ${key} is gone`);
    const retries = this.#o.maxConflictRetries ?? 5;
    for (let attempt = 0; ; attempt++) {
      const current = decodeStatus(base).version;
      if (current !== expectedVersion) {
        this.stats.conflictsLost++;
        throw new AloftError(
          Code.ABORTED,
          "engine.workflow_conflict",
          `FlyteWorkflow ${key}: its status moved to version ${current} while a round worked from ${expectedVersion}`,
        );
      }
      const next = this.#withStatus(base, status, expectedVersion + 1);
      try {
        const written = await this.#o.api.update<KubeObject>(flyteWorkflows, next);
        this.stats.writes++;
        this.#ownWrites.set(key, written.metadata.resourceVersion ?? "");
        this.#remember(key, written);
        // A finished resource leaves the informer (its label no longer matches); if it already has, forget it here.
        if (isTerminalWorkflowPhase(status.phase) && !this.#cached(key)) {
          this.#fresh.delete(key);
          this.#ownWrites.delete(key);
        }
        return expectedVersion + 1;
      } catch (err) {
        if (!isConflict(err) || attempt >= retries) throw err;
        this.stats.conflictsRetried++;
        this.#o.logger.info({ execution: key, attempt }, "status write conflicted; re-reading and re-applying");
        const { namespace, name } = splitKey(objectKey(base));
        base = await this.#o.api.get<KubeObject>(flyteWorkflows, name, namespace ? { namespace } : {});
        this.#remember(key, base);
      }
    }
  }

  /** `base` with the status, and the metadata that goes with it: the finalizer while running, labels once ended. */
  #withStatus(base: KubeObject, status: WorkflowStatus, version: number): KubeObject {
    const metadata = { ...base.metadata, labels: { ...(base.metadata.labels ?? {}) } };
    const finalizers = (base.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
    if (isTerminalWorkflowPhase(status.phase)) {
      metadata.labels[LABEL_TERMINATION_STATUS] = TERMINATED;
      metadata.labels[LABEL_COMPLETED_TIME] = hourBucket(this.#o.clock.now());
    } else if (!base.metadata.deletionTimestamp || base.metadata.finalizers?.includes(FINALIZER)) {
      // No finalizer may be added to an object being deleted; one already there stays.
      finalizers.push(FINALIZER);
    }
    metadata.finalizers = finalizers;
    return { ...base, metadata, status: encodeStatus(status, version) };
  }

  async requestAbort(key: string, cause: string): Promise<boolean> {
    const obj = this.#object(key);
    if (!obj) return false;
    const { namespace, name } = splitKey(objectKey(obj));
    const at = namespace ? { namespace } : {};
    try {
      await this.#o.api.patch(
        flyteWorkflows,
        name,
        { metadata: { annotations: { [ANNOTATION_ABORT_CAUSE]: cause } } },
        at,
      );
      await this.#o.api.delete(flyteWorkflows, name, { ...at, propagationPolicy: "Background" });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async getAbortRequest(key: string): Promise<string | undefined> {
    const obj = this.#object(key);
    if (!obj?.metadata.deletionTimestamp) return undefined;
    return obj.metadata.annotations?.[ANNOTATION_ABORT_CAUSE] || "FlyteWorkflow deleted";
  }

  async listActive(): Promise<string[]> {
    const out: string[] = [];
    for (const obj of this.#informer?.store.list() ?? []) {
      const key = executionKeyOf(obj);
      const latest = this.#object(key) ?? obj;
      if (!isTerminalWorkflowPhase(decodeStatus(latest).status.phase)) out.push(key);
    }
    return out;
  }
}
