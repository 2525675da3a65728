// What the event managers remember between events so that the usual event costs one database round trip: the
// executions known to exist (with their cluster) and the last state written for each node and task execution.
// The cache is only a shortcut: every write through it is a compare-and-set on (phase, updated_at), a failed one
// falls back to reading the row, and a rejection computed from cached state is confirmed against the database.
// Each row is kept with its closure decoded, so that an update does not decode the bytes it wrote the event before.
// An update takes the entry out (the closure is merged in place) and puts the new one back only after its write
// succeeded: a failed or unknown write, or a concurrent event for the same row, never sees a half-merged closure.
import type { ProjectDomainName, VersionedId } from "@aloft/core";
import type { NodeExecutionClosure } from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import type { TaskExecutionClosure } from "@aloft/idl/flyteidl/admin/task_execution_pb.js";
import type { NodeExecutionRow } from "../repositories/node-execution-repo.ts";
import type { TaskExecutionRow } from "../repositories/task-execution-repo.ts";

export interface KnownExecution {
  id: number;
  cluster: string;
}

/** The last row written and its closure, decoded (owned by the cache: nothing else holds it). */
export interface CachedNode {
  row: NodeExecutionRow;
  closure: NodeExecutionClosure;
}
export interface CachedTask {
  row: TaskExecutionRow;
  closure: TaskExecutionClosure;
}

const DEFAULT_MAX_ENTRIES = 20_000;

/** A Map that forgets its oldest entries beyond a size. */
class Bounded<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    return this.map.get(k);
  }
  set(k: string, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
  }
  /** The entry, removed: its holder alone may change it, and puts it back with set. */
  take(k: string): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) this.map.delete(k);
    return v;
  }
  delete(k: string): void {
    this.map.delete(k);
  }
  get size(): number {
    return this.map.size;
  }
}

// An event builds each key it needs once (the node's from the execution's, the task's from the node's).
export const executionCacheKey = (e: ProjectDomainName) => `${e.project}\u0000${e.domain}\u0000${e.name}`;
/** A node execution's key, from its execution's. */
export const nodeCacheKey = (executionKey: string, nodeId: string) => `${executionKey}\u0000${nodeId}`;
/** A task execution's key, from its node execution's. */
export const taskCacheKey = (nodeKey: string, t: VersionedId, attempt: number) =>
  `${nodeKey}\u0000${t.project}\u0000${t.domain}\u0000${t.name}\u0000${t.version}\u0000${attempt}`;

export class EventCache {
  readonly executions: Bounded<KnownExecution>;
  readonly nodes: Bounded<CachedNode>;
  readonly tasks: Bounded<CachedTask>;
  private lastMicros = 0;

  constructor(maxEntries = DEFAULT_MAX_ENTRIES) {
    this.executions = new Bounded(Math.max(1, maxEntries));
    this.nodes = new Bounded(Math.max(1, maxEntries));
    this.tasks = new Bounded(Math.max(1, maxEntries));
  }

  /**
   * Strictly increasing write times (µs) for updated_at, so that (phase, updated_at) identifies one written
   * state of a row even when the clock does not move between two writes.
   */
  writeMicros(nowMicros: number): number {
    this.lastMicros = Math.max(nowMicros, this.lastMicros + 1);
    return this.lastMicros;
  }
}
