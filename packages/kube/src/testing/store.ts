// The storage of the test API server: one global resourceVersion counter (as etcd's revision), the objects by kind,
// a bounded history of changes that watches resume from (older than the history: 410 Gone, as after a compaction),
// and the live watchers, which receive each change filtered by their namespace and selectors.
import type { KubeObject, WatchEventType } from "../types.ts";
import { gone } from "./failure.ts";
import type { ServedKind } from "./registry.ts";

interface Change {
  rv: number;
  storage: string;
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: KubeObject;
  previous: KubeObject | undefined;
}

export interface WatchFilter {
  namespace: string | undefined;
  matches: (obj: KubeObject) => boolean;
}

interface Watcher {
  storage: string;
  filter: WatchFilter;
  send: (type: WatchEventType, obj: KubeObject) => void;
}

export const storageOf = (kind: { group: string; plural: string }) => `${kind.group}/${kind.plural}`;
export const keyOf = (namespace: string | undefined, name: string) => `${namespace ?? ""}/${name}`;

export class Store {
  private revision = 0;
  /** Changes at or below this revision are gone from the history. */
  private compacted = 0;
  private history: Change[] = [];
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly uids = new Map<string, { storage: string; key: string }>();
  private readonly watchers = new Set<Watcher>();

  constructor(private readonly historySize: number) {}

  get resourceVersion(): number {
    return this.revision;
  }

  nextVersion(): string {
    return String(++this.revision);
  }

  private bucket(storage: string): Map<string, KubeObject> {
    let b = this.objects.get(storage);
    if (!b) {
      b = new Map();
      this.objects.set(storage, b);
    }
    return b;
  }

  get(kind: ServedKind, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(storageOf(kind))?.get(keyOf(kind.namespaced ? namespace : undefined, name));
  }

  /** Objects of a kind, in one namespace or all, in key order (as etcd lists them). */
  list(kind: { group: string; plural: string }, namespace?: string): KubeObject[] {
    const b = this.objects.get(storageOf(kind));
    if (!b) return [];
    const out = [...b.entries()]
      .filter(([, o]) => namespace === undefined || o.metadata.namespace === namespace)
      .sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0));
    return out.map(([, o]) => o);
  }

  /** Every stored object with its storage, for the garbage collector. */
  *all(): Generator<[string, KubeObject]> {
    for (const [storage, b] of this.objects) for (const o of b.values()) yield [storage, o];
  }

  existsUid(uid: string): boolean {
    return this.uids.has(uid);
  }

  /** Stores `obj` (its resourceVersion already set by the caller) and tells the watchers. */
  put(kind: ServedKind, obj: KubeObject, previous: KubeObject | undefined): void {
    const storage = storageOf(kind);
    this.bucket(storage).set(keyOf(obj.metadata.namespace, obj.metadata.name!), obj);
    this.uids.set(obj.metadata.uid!, { storage, key: keyOf(obj.metadata.namespace, obj.metadata.name!) });
    this.record({
      rv: Number(obj.metadata.resourceVersion),
      storage,
      type: previous ? "MODIFIED" : "ADDED",
      object: obj,
      previous,
    });
  }

  /** Removes `current` for good: a DELETED event carrying a new resourceVersion. */
  remove(kind: { group: string; plural: string }, current: KubeObject): KubeObject {
    const storage = storageOf(kind);
    this.objects.get(storage)?.delete(keyOf(current.metadata.namespace, current.metadata.name!));
    this.uids.delete(current.metadata.uid!);
    const last = structuredClone(current);
    last.metadata.resourceVersion = this.nextVersion();
    this.record({
      rv: Number(last.metadata.resourceVersion),
      storage,
      type: "DELETED",
      object: last,
      previous: current,
    });
    return last;
  }

  /** Drops every stored object of a kind (its CRD was deleted), telling the watchers. */
  dropKind(kind: { group: string; plural: string }): void {
    for (const o of this.list(kind)) this.remove(kind, o);
  }

  private record(change: Change): void {
    this.history.push(change);
    if (this.history.length > this.historySize) {
      const dropped = this.history.splice(0, this.history.length - this.historySize);
      this.compacted = dropped[dropped.length - 1]!.rv;
    }
    for (const w of this.watchers) if (w.storage === change.storage) deliver(w, change);
  }

  /** As an etcd compaction: every watch from a version before now answers 410 Gone. */
  compact(): void {
    this.compacted = this.revision;
    this.history = [];
  }

  /**
   * Starts a watch: from `resourceVersion` (the changes after it, or 410 Gone if they are no longer kept), or, when
   * unset or "0", synthetic ADDED events for what exists now; then every change as it happens. Returns the unsubscribe.
   */
  watch(kind: ServedKind, filter: WatchFilter, resourceVersion: string | undefined, send: Watcher["send"]): () => void {
    const storage = storageOf(kind);
    const w: Watcher = { storage, filter, send };
    if (!resourceVersion || resourceVersion === "0") {
      for (const o of this.list(kind, filter.namespace)) if (filter.matches(o)) send("ADDED", o);
    } else {
      const from = Number(resourceVersion);
      if (!Number.isInteger(from) || from < 0) throw gone(`invalid resource version "${resourceVersion}"`);
      if (from < this.compacted) {
        throw gone(`too old resource version: ${from} (${this.compacted + 1})`);
      }
      for (const c of this.history) if (c.rv > from && c.storage === storage) deliver(w, c);
    }
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }
}

function deliver(w: Watcher, c: Change): void {
  const ns = w.filter.namespace;
  if (ns !== undefined && c.object.metadata.namespace !== ns) return;
  const now = w.filter.matches(c.object);
  const before = c.previous !== undefined && w.filter.matches(c.previous);
  if (c.type === "ADDED") {
    if (now) w.send("ADDED", c.object);
  } else if (c.type === "DELETED") {
    if (before) w.send("DELETED", c.object);
  } else if (now && before) w.send("MODIFIED", c.object);
  else if (now) w.send("ADDED", c.object);
  else if (before) w.send("DELETED", c.object);
}
