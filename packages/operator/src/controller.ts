// The TrackingServer controller: an informer on TrackingServers and one per owned kind (watching only the operator's
// label), a rate-limited work queue, and workers that run the reconciler. A child's change or deletion enqueues its
// owner at once (drift is repaired without waiting for a resync); failures requeue with per-item exponential backoff;
// an invalid spec is not requeued (its next edit is).
import { type Clock, type Logger, silentLogger, systemClock } from "@aloft/core";
import {
  Informer,
  type KubeApi,
  type KubeObject,
  objectKey,
  type RateLimiter,
  type ResourceType,
  splitKey,
  WorkQueue,
} from "@aloft/kube";
import { kubeEventRecorder } from "./events.ts";
import { childTypes, type Outcome, Reconciler, type ReconcilerConfig } from "./reconciler.ts";
import { createSyncer } from "./sync.ts";
import { KIND, MANAGED_BY, MANAGED_BY_LABEL, type TrackingServer, trackingServers } from "./types.ts";

export interface ControllerOptions {
  api: KubeApi;
  config: ReconcilerConfig;
  /** Watch one namespace; unset: all. */
  namespace?: string;
  /** Concurrent reconciles (of different TrackingServers). Default 4. */
  workers?: number;
  /** Replay every TrackingServer this often (level-triggered safety net). Default 10 minutes. */
  resyncPeriodMs?: number;
  rateLimiter?: RateLimiter;
  clock?: Clock;
  logger?: Logger;
  /** Named in the Events this controller records. */
  identity?: string;
}

/** What the controller has done: the metrics endpoint and the tests read it. */
export interface ControllerStats {
  reconciles: number;
  errors: number;
  byOutcome: Record<string, number>;
  /** Reconciles per `namespace/name`. */
  perKey: Map<string, number>;
  /** The last outcome per key, and whether it was requeued. */
  last: Map<string, { outcome: Outcome["kind"] | "gone" | "error"; requeued: boolean; message?: string }>;
}

const ownerKey = (obj: KubeObject): string | undefined => {
  const ref = (obj.metadata.ownerReferences ?? []).find((r) => r.controller && r.kind === KIND);
  return ref && obj.metadata.namespace ? `${obj.metadata.namespace}/${ref.name}` : undefined;
};

export class TrackingServerController {
  readonly queue: WorkQueue;
  readonly stats: ControllerStats = { reconciles: 0, errors: 0, byOutcome: {}, perKey: new Map(), last: new Map() };
  private readonly servers: Informer<TrackingServer>;
  private readonly children = new Map<string, Informer<KubeObject>>();
  private readonly reconciler: Reconciler;
  private readonly logger: Logger;
  private workers: Promise<void>[] = [];
  private running = false;
  private inFlight = 0;

  constructor(private readonly options: ControllerOptions) {
    const { api, namespace } = options;
    this.logger = options.logger ?? silentLogger();
    const clock = options.clock ?? systemClock;
    this.queue = new WorkQueue(options.rateLimiter);
    this.servers = new Informer<TrackingServer>(api, trackingServers, {
      namespace,
      resyncPeriodMs: options.resyncPeriodMs ?? 600_000,
      logger: this.logger,
    });
    this.servers.addHandlers({
      onAdd: (ts) => this.queue.add(objectKey(ts)),
      onUpdate: (old, ts) => {
        // Our own status writes change neither generation nor metadata that matters: no reconcile for them.
        const m = old.metadata;
        const n = ts.metadata;
        if (
          m.resourceVersion === n.resourceVersion ||
          m.generation !== n.generation ||
          m.deletionTimestamp !== n.deletionTimestamp ||
          JSON.stringify(m.finalizers) !== JSON.stringify(n.finalizers)
        )
          this.queue.add(objectKey(ts));
      },
      onDelete: (ts) => this.queue.add(objectKey(ts)),
    });
    for (const type of childTypes(options.config)) {
      const informer = new Informer<KubeObject>(api, type, {
        namespace,
        labelSelector: { [MANAGED_BY_LABEL]: MANAGED_BY },
        logger: this.logger,
      });
      const enqueue = (obj: KubeObject) => {
        const key = ownerKey(obj);
        if (key) this.queue.add(key);
      };
      informer.addHandlers({
        onAdd: enqueue,
        onUpdate: (old, obj) => {
          if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) enqueue(obj);
        },
        onDelete: enqueue,
      });
      this.children.set(this.id(type), informer);
    }
    const syncer = createSyncer(api, (type, ns, name) => {
      const informer = this.children.get(this.id(type));
      if (!informer?.hasSynced()) return undefined;
      return informer.store.get(`${ns}/${name}`) ?? null;
    });
    this.reconciler = new Reconciler({
      api,
      syncer,
      clock,
      logger: this.logger,
      config: options.config,
      events: kubeEventRecorder(api, clock, this.logger, options.identity ?? "aloft-operator"),
    });
  }

  private id(type: ResourceType): string {
    return `${type.group}/${type.plural}`;
  }

  /** Starts the informers, waits for their first list, then the workers. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const informers = [this.servers, ...this.children.values()];
    for (const i of informers) i.start();
    await Promise.all(informers.map((i) => i.waitForSync()));
    const n = this.options.workers ?? 4;
    for (let i = 0; i < n; i++) this.workers.push(this.work());
    this.logger.info(
      { workers: n, ingress: this.options.config.ingressController },
      "trackingserver controller started",
    );
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.queue.shutDown();
    await Promise.all(this.workers);
    this.workers = [];
    await Promise.all([this.servers, ...this.children.values()].map((i) => i.stop()));
  }

  /** True when nothing is queued or being reconciled (delayed retries may still be pending). */
  get idle(): boolean {
    return this.inFlight === 0 && this.queue.length === 0;
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      this.inFlight++;
      try {
        await this.process(key);
      } finally {
        this.inFlight--;
        this.queue.done(key);
      }
    }
  }

  private async process(key: string): Promise<void> {
    const stats = this.stats;
    stats.reconciles++;
    stats.perKey.set(key, (stats.perKey.get(key) ?? 0) + 1);
    const ts = this.servers.store.get(key);
    const record = (outcome: Outcome["kind"] | "gone" | "error", requeued: boolean, message?: string) => {
      stats.byOutcome[outcome] = (stats.byOutcome[outcome] ?? 0) + 1;
      stats.last.set(key, { outcome, requeued, ...(message ? { message } : {}) });
    };
    if (!ts) {
      // Gone: the garbage collector removes the children through their owner references.
      this.queue.forget(key);
      record("gone", false);
      return;
    }
    try {
      const outcome = await this.reconciler.reconcile(ts);
      if (outcome.kind === "deleting" && !outcome.done) {
        this.queue.addRateLimited(key);
        record(outcome.kind, true);
        return;
      }
      this.queue.forget(key);
      record(outcome.kind, false, outcome.kind === "invalid" ? outcome.message : undefined);
    } catch (err) {
      stats.errors++;
      const { namespace, name } = splitKey(key);
      this.logger.warn({ err, namespace, name }, "reconcile failed; retrying with backoff");
      this.queue.addRateLimited(key);
      record("error", true, err instanceof Error ? err.message : String(err));
    }
  }
}
