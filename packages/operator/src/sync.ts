// Conflict-safe writes of one child: read it (the informer's cache first, the API when the cache has not seen it),
// create it when missing, or update it when the fields the operator manages differ — the update carries the
// resourceVersion read, and a 409 (someone wrote in between, or the cache was stale) re-reads and tries again, so no
// one else's change is lost and no write is blind. Fields the operator does not manage (server defaults, other
// controllers' annotations, a Service's clusterIP) are kept.
import { AloftError, Code } from "@aloft/core";
import { isAlreadyExists, isConflict, isNotFound, type KubeApi, type KubeObject, type ResourceType } from "@aloft/kube";
import { isOwnedBy, MANAGED_ANNOTATIONS } from "./children.ts";
import type { TrackingServer } from "./types.ts";

/**
 * An informer cache lookup: the object; null when a synced cache of the operator's children does not have it;
 * undefined when the kind is not cached (then the API is asked).
 */
export type CacheLookup = (type: ResourceType, namespace: string, name: string) => KubeObject | null | undefined;

export interface SyncResult {
  result: "created" | "updated" | "unchanged";
  /** The object as the server (or, when unchanged, the cache) has it. */
  object: KubeObject;
}

const MAX_ATTEMPTS = 5;

/** `want` ⊆ `have`: every field of `want` is in `have` with the same value (lists: same length, item by item). */
export function isSubset(want: unknown, have: unknown): boolean {
  if (want === undefined) return true;
  // The server drops an empty list (omitempty): [] asked, nothing stored, is the same.
  if (Array.isArray(want) && want.length === 0 && (have === undefined || have === null)) return true;
  if (typeof want !== "object" || want === null) return want === have;
  if (typeof have !== "object" || have === null) return false;
  if (Array.isArray(want)) {
    if (!Array.isArray(have) || have.length !== want.length) return false;
    return want.every((x, i) => isSubset(x, have[i]));
  }
  return Object.entries(want).every(([k, v]) => isSubset(v, (have as Record<string, unknown>)[k]));
}

const BODY_FIELDS = (obj: KubeObject) =>
  Object.keys(obj).filter((k) => !["metadata", "apiVersion", "kind"].includes(k));

/** Kinds whose spec the server fills in (defaults, allocated fields): the operator's spec fields overlay theirs. */
const OVERLAY_SPEC = new Set(["Service", "Deployment", "PersistentVolumeClaim", "Ingress"]);

/** The operator's annotations that `have` carries and `want` no longer asks for. */
const staleAnnotations = (want: KubeObject, have: KubeObject) =>
  MANAGED_ANNOTATIONS.filter(
    (k) => have.metadata.annotations?.[k] !== undefined && want.metadata.annotations?.[k] === undefined,
  );

function matches(type: ResourceType, want: KubeObject, have: KubeObject): boolean {
  if (!isSubset(want.metadata.labels, have.metadata.labels)) return false;
  if (!isSubset(want.metadata.annotations, have.metadata.annotations)) return false;
  if (staleAnnotations(want, have).length > 0) return false;
  return BODY_FIELDS(want).every((k) => {
    // A spec the operator owns whole (IngressRoute, Middleware) must not keep fields it dropped.
    if (k === "spec" && !OVERLAY_SPEC.has(type.kind)) return isSubset(want[k], have[k]) && sameKeys(want[k], have[k]);
    return isSubset(want[k], have[k]);
  });
}

/** For specs the operator owns whole (IngressRoute, Middleware): no extra top-level keys. */
function sameKeys(want: unknown, have: unknown): boolean {
  if (typeof want !== "object" || typeof have !== "object" || !want || !have) return true;
  return Object.keys(have).every((k) => k in want);
}

function merged(type: ResourceType, want: KubeObject, have: KubeObject): KubeObject {
  const next: KubeObject = {
    ...have,
    metadata: {
      ...have.metadata,
      labels: { ...have.metadata.labels, ...want.metadata.labels },
      ownerReferences: want.metadata.ownerReferences,
    },
  };
  const annotations = { ...have.metadata.annotations, ...want.metadata.annotations };
  for (const k of staleAnnotations(want, have)) delete annotations[k];
  if (Object.keys(annotations).length > 0) next.metadata.annotations = annotations;
  else delete next.metadata.annotations;
  for (const k of BODY_FIELDS(want)) {
    next[k] = k === "spec" && OVERLAY_SPEC.has(type.kind) ? { ...have.spec, ...want.spec } : want[k];
  }
  return next;
}

function notOwned(type: ResourceType, have: KubeObject, ts: TrackingServer): AloftError {
  return new AloftError(
    Code.FAILED_PRECONDITION,
    "operator.not_owned",
    `${type.kind} ${have.metadata.namespace}/${have.metadata.name} exists and is not owned by TrackingServer ${ts.metadata.name}: rename or delete it`,
  );
}

export interface Syncer {
  ensure(type: ResourceType, want: KubeObject, ts: TrackingServer): Promise<SyncResult>;
  /** Deletes the child of that name if this TrackingServer owns it; true when something was deleted. */
  ensureAbsent(type: ResourceType, name: string, ts: TrackingServer): Promise<boolean>;
  /** The object, from the cache or the API; undefined when it does not exist. */
  read(type: ResourceType, namespace: string, name: string): Promise<KubeObject | undefined>;
}

export function createSyncer(api: KubeApi, cached: CacheLookup): Syncer {
  const fetch = async (type: ResourceType, namespace: string, name: string) => {
    try {
      return await api.get(type, name, { namespace });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  return {
    // Objects the operator does not own are not in its caches (they watch its label only): ask the API.
    read: async (type, namespace, name) => cached(type, namespace, name) || fetch(type, namespace, name),

    async ensure(type, want, ts) {
      const namespace = want.metadata.namespace!;
      const name = want.metadata.name!;
      let have = cached(type, namespace, name) ?? undefined;
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        if (!have) {
          try {
            return { result: "created", object: await api.create(type, want) };
          } catch (err) {
            if (!isAlreadyExists(err)) throw err;
            have = await fetch(type, namespace, name);
            continue;
          }
        }
        if (!isOwnedBy(have, ts)) throw notOwned(type, have, ts);
        if (matches(type, want, have)) return { result: "unchanged", object: have };
        try {
          return { result: "updated", object: await api.update(type, merged(type, want, have)) };
        } catch (err) {
          if (!isConflict(err) && !isNotFound(err)) throw err;
          have = await fetch(type, namespace, name);
        }
      }
      throw new AloftError(
        Code.ABORTED,
        "operator.conflict",
        `${type.kind} ${namespace}/${name} kept changing under the operator (${MAX_ATTEMPTS} conflicts); retrying later`,
      );
    },

    async ensureAbsent(type, name, ts) {
      const namespace = ts.metadata.namespace!;
      const seen = cached(type, namespace, name);
      const have = seen === null ? undefined : (seen ?? (await fetch(type, namespace, name)));
      if (!have || !isOwnedBy(have, ts)) return false;
      try {
        // The uid precondition: never delete a namesake created after the read.
        await api.delete(type, name, { namespace, preconditions: { uid: have.metadata.uid! } });
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        if (isConflict(err)) {
          const again = await fetch(type, namespace, name);
          if (!again || !isOwnedBy(again, ts)) return false;
        }
        throw err;
      }
    },
  };
}
