// Task caching in the node executor (upstream flytepropeller/pkg/controller/nodes/cache.go, flyteplugins/go/tasks/pluginmachinery/catalog/hashing.go, upstream `nodes/cache.go` and `executor.go`):
// - on NotYetStarted→Queued, a cacheable task node looks its outputs up; a hit writes them to the node's outputs.pb and
//   the node goes straight to Succeeded (CACHE_HIT, no task events);
// - while Queued/Running, a serializable one holds a catalog reservation; when another execution holds it, the node stays
//   Queued "waiting on serialized cache" and looks the cache up again on every visit;
// - after success, the outputs are written to the catalog (POPULATED, or PUT_FAILURE — the node succeeds either way) and
//   the reservation released. `overwrite_cache` skips lookups and reservations (SKIPPED) and overwrites the entry.
// Without a catalog nothing here happens: cacheable tasks run uncached (DISABLED) and are not serialized.
import { create } from "@bufbuild/protobuf";
import { NodeExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { TaskExecutionIdentifierSchema } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralMapSchema, type LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import type { TaskTemplate } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { getMessage, putMessage } from "@aloft/core";
import { inputsKey, outputsKey } from "@aloft/core";
import { sendNodeEvent } from "../executor/events.ts";
import type { NodeCacheStatus } from "../executor/status.ts";
import { indexOf, type NodeContext } from "../nodes/handler.ts";
import { generatedName } from "../nodes/task-context.ts";
import type { CatalogPort } from "../ports.ts";
import { lookupCache, putCache, releaseCache, reserveCache, type LookupResult } from "./catalog-client.ts";
import { catalogKeyOf, type CatalogKey } from "./catalog-key.ts";
import { catalogKeyJson } from "./cache-status.ts";

export const WAITING_ON_SERIALIZED_CACHE = "waiting on serialized cache";
/** Reservation heartbeat (upstream: workflow-reeval-duration, 10s); the catalog lets a reservation lapse after 3. */
const MIN_HEARTBEAT_MS = 10_000;

interface Cacheable {
  catalog: CatalogPort;
  template: TaskTemplate;
  serializable: boolean;
}

/** A task node whose task is `discoverable`, when the engine has a catalog. */
function cacheable(n: NodeContext): Cacheable | undefined {
  const catalog = n.exec.deps.catalog;
  const target = n.node.target;
  if (!catalog || target.case !== "taskNode" || target.value.reference.case !== "referenceId") return undefined;
  const template = indexOf(n).task(target.value.reference.value);
  if (!template?.metadata?.discoverable) return undefined;
  return { catalog, template, serializable: template.metadata.cacheSerializable };
}

const overwriting = (n: NodeContext) => n.exec.spec.spec.overwriteCache === true;

const readInputs = (n: NodeContext) => getMessage(n.exec.deps.blobs, inputsKey(n.dataDir), LiteralMapSchema);

const ownerId = (n: NodeContext) => generatedName(n, n.attempt());

const heartbeatMs = (n: NodeContext) => Math.max(MIN_HEARTBEAT_MS, n.exec.deps.config.pollIntervalMs);

function setCache(n: NodeContext, c: NodeCacheStatus) {
  n.status.cache = c;
}

/** A hit: the cached outputs become this node's outputs and the node reports SUCCEEDED (the caller finishes it). */
async function applyHit(n: NodeContext, hit: Extract<LookupResult, { hit: true }>): Promise<void> {
  await putMessage(n.exec.deps.blobs, outputsKey(n.outputDir()), LiteralMapSchema, hit.outputs);
  setCache(n, { status: "HIT", key: catalogKeyJson(hit.metadata) });
  await sendNodeEvent(n, NodeExecution_Phase.SUCCEEDED);
}

const maxAgeOf = (n: NodeContext) => ({ ms: n.exec.deps.config.cacheMaxAgeMs, now: n.exec.now() });

/**
 * Called when a node is about to be queued, its inputs written. True on a cache hit: the SUCCEEDED event has been sent
 * and the caller moves the node to Succeeded. Otherwise the node is queued as usual (cache status MISS or SKIPPED).
 * Catalog errors other than NOT_FOUND propagate (the round fails).
 */
export async function lookupOnQueue(n: NodeContext, inputs: LiteralMap): Promise<boolean> {
  const c = cacheable(n);
  if (!c) return false;
  if (overwriting(n)) {
    setCache(n, { status: "SKIPPED" });
    return false;
  }
  const r = await lookupCache(c.catalog, catalogKeyOf(c.template, inputs), maxAgeOf(n));
  if (!r.hit) {
    setCache(n, { status: "MISS" });
    return false;
  }
  await applyHit(n, r);
  return true;
}

/**
 * Called before a Queued or Running node's handler. "run": go on; "wait": another execution holds the reservation of
 * this serializable task, stay Queued; "hit": the cache now has the outputs (SUCCEEDED sent; finish the node).
 */
export async function cacheGate(n: NodeContext): Promise<"run" | "wait" | "hit"> {
  const c = cacheable(n);
  if (!c?.serializable) return "run";
  const s = n.status;
  if (overwriting(n)) {
    setCache(n, { status: "SKIPPED" });
    return "run";
  }
  const key = catalogKeyOf(c.template, await readInputs(n));
  let status = s.cache?.status ?? "MISS";
  if (s.phase === "Queued" && s.message === WAITING_ON_SERIALIZED_CACHE) {
    const r = await lookupCache(c.catalog, key, maxAgeOf(n));
    if (r.hit) {
      delete s.message;
      await applyHit(n, r);
      return "hit";
    }
    status = "MISS";
  }
  const reservation = await reserveCache(c.catalog, key, ownerId(n), heartbeatMs(n));
  setCache(n, { status, reservation });
  // A running node keeps running even if its reservation lapsed and was taken over (as upstream).
  if (reservation === "EXISTS" && s.phase === "Queued") {
    s.message = WAITING_ON_SERIALIZED_CACHE;
    return "wait";
  }
  if (s.message === WAITING_ON_SERIALIZED_CACHE) delete s.message;
  return "run";
}

/**
 * After the node's handler reported success (the outputs are in outputs.pb): writes them to the catalog and releases
 * the reservation. Never fails the node: a catalog that cannot take the outputs is CACHE_PUT_FAILURE.
 */
export async function writeOnSuccess(n: NodeContext): Promise<void> {
  const c = cacheable(n);
  if (!c || n.status.cache?.status === "HIT") return;
  const key = catalogKeyOf(c.template, await readInputs(n));
  const next = await putOutputs(n, c, key);
  const reservation = n.status.cache?.reservation;
  if (reservation) next.reservation = reservation;
  if (c.serializable) {
    try {
      await releaseCache(c.catalog, key, ownerId(n));
      next.reservation = "RELEASED";
    } catch (err) {
      n.exec.deps.logger.warn(
        { execution: n.exec.key, node: n.uniqueId, err },
        "releasing the cache reservation failed",
      );
    }
  }
  setCache(n, next);
}

async function putOutputs(n: NodeContext, c: Cacheable, key: CatalogKey): Promise<NodeCacheStatus> {
  // Tasks without outputs are not cached.
  if (Object.keys(key.iface.outputs?.variables ?? {}).length === 0) return { status: "DISABLED" };
  const outputs = await getMessage(n.exec.deps.blobs, outputsKey(n.outputDir()), LiteralMapSchema);
  const source = create(TaskExecutionIdentifierSchema, {
    taskId: c.template.id,
    nodeExecutionId: { executionId: n.exec.executionId, nodeId: n.uniqueId },
    retryAttempt: n.attempt(),
  });
  const r = await putCache(c.catalog, key, outputs, source, overwriting(n));
  if (r.status === "PUT_FAILURE") {
    n.exec.deps.logger.warn(
      { execution: n.exec.key, node: n.uniqueId, err: r.error },
      "writing task outputs to the cache failed",
    );
  }
  return r.metadata ? { status: r.status, key: catalogKeyJson(r.metadata) } : { status: r.status };
}

/**
 * When an attempt is aborted (a retry, a failure or timeout, the execution's abort): executions waiting on this
 * serialized task go ahead now instead of when the reservation lapses (best effort; releasing one we do not hold is a
 * no-op for the catalog).
 */
export async function releaseOnAbort(n: NodeContext): Promise<void> {
  const c = cacheable(n);
  if (!c?.serializable || overwriting(n)) return;
  try {
    await releaseCache(c.catalog, catalogKeyOf(c.template, await readInputs(n)), ownerId(n));
  } catch (err) {
    n.exec.deps.logger.warn({ execution: n.exec.key, node: n.uniqueId, err }, "releasing the cache reservation failed");
  }
}
