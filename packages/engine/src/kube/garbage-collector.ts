// Garbage collection of finished FlyteWorkflow resources (flytepropeller/pkg/controller/garbage_collector.go): every
// interval, the resources labelled `termination-status=terminated` whose `completed-time` hour bucket is not one of the
// last ttlHours+1 buckets are deleted (hour granularity, TTL capped at 23 h, as upstream). Listed and deleted one by
// one rather than with DeleteCollection, so that a resource that finished in between is never caught by a stale list.
import type { Clock, Logger } from "@aloft/core";
import { isNotFound, type KubeApi, type KubeObject } from "@aloft/kube";
import { flyteWorkflows, hourBucket, LABEL_COMPLETED_TIME, LABEL_TERMINATION_STATUS, TERMINATED } from "./resource.ts";

export interface GarbageCollectorOptions {
  api: KubeApi;
  clock: Clock;
  logger: Logger;
  /** Hours a finished resource is kept (propeller's max-ttl-hours; at most 23). */
  ttlHours: number;
  /** One namespace only; default all. */
  namespace?: string;
  /** Only this shard's resources (the engine's `shardSelector`). */
  shardSelector?: string;
}

export const MAX_TTL_HOURS = 23;

export class FlyteWorkflowGarbageCollector {
  readonly #o: GarbageCollectorOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();

  constructor(options: GarbageCollectorOptions) {
    this.#o = options;
  }

  /** The hour buckets still kept at `now`: the current one and the ttlHours before it. */
  keptBuckets(): string[] {
    const ttl = Math.max(0, Math.min(MAX_TTL_HOURS, Math.floor(this.#o.ttlHours)));
    const now = this.#o.clock.now().getTime();
    return Array.from({ length: ttl + 1 }, (_, i) => hourBucket(new Date(now - i * 3_600_000)));
  }

  /** One pass; returns how many resources were deleted. */
  async collect(): Promise<number> {
    const kept = this.keptBuckets().join(",");
    const shard = this.#o.shardSelector ? `,${this.#o.shardSelector}` : "";
    const selector = `${LABEL_TERMINATION_STATUS}=${TERMINATED},${LABEL_COMPLETED_TIME} notin (${kept})${shard}`;
    const list = await this.#o.api.list<KubeObject>(flyteWorkflows, {
      labelSelector: selector,
      ...(this.#o.namespace ? { namespace: this.#o.namespace } : {}),
    });
    let deleted = 0;
    for (const obj of list.items) {
      try {
        await this.#o.api.delete(flyteWorkflows, obj.metadata.name ?? "", {
          namespace: obj.metadata.namespace ?? "",
          propagationPolicy: "Background",
          gracePeriodSeconds: 0,
          // Never a resource replaced since the list (same name, new execution).
          ...(obj.metadata.uid ? { preconditions: { uid: obj.metadata.uid } } : {}),
        });
        deleted++;
      } catch (err) {
        if (!isNotFound(err)) this.#o.logger.warn({ err, name: obj.metadata.name }, "garbage collection failed");
      }
    }
    if (deleted > 0) this.#o.logger.info({ deleted }, "finished FlyteWorkflows garbage collected");
    return deleted;
  }

  start(intervalMs: number): void {
    if (this.#timer || intervalMs <= 0) return;
    this.#timer = setInterval(() => {
      this.#running = this.collect().catch((err: unknown) =>
        this.#o.logger.warn({ err }, "garbage collection pass failed"),
      );
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
