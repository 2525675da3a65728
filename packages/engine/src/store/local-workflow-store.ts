// WorkflowStore for an engine whose blob store is a local directory. Same files as BlobWorkflowStore (which writes the
// spec, the abort request and the active markers for it), but a round's status is appended to the execution's
// `status.log` instead of rewriting `status.json` (open a temp file, write O(nodes) bytes, rename) after every round:
// one line per write, `{"v":version,"s":{the status' fields but its node map},"n":{id:status}}`, holding only the
// node statuses whose object changed since the last write (a round copies a node's status before changing it, nested
// and array statuses included, so an unchanged node is the same object): the ids a write's `changes` name, when they
// are named since the status written last (the engine's), else found by comparing every node status. `status.json`
// stays the base: a read is the base, then the log's lines with a higher version, in order, up to the first line that
// is torn (a crash in mid-write: that write is lost, never half applied, and the engine replays the round) or out of
// sequence. A base without a log (the documents BlobWorkflowStore wrote) is read as it is. The log is compacted into a
// new base (temp + rename, then the log emptied) when it holds more lines than `maxLines` or more bytes than the base
// (and `minLogBytes`), when a node status was removed, on the first write of an execution by this instance, and when
// it ends; a finished execution keeps only its base. Neither path fsyncs, as before: a crash may lose recent writes,
// never tear one.
// One engine process owns a store: versions are checked against what this instance wrote or read last.
import { closeSync, constants, ftruncateSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { AloftError, Code, internal, resourceExhausted, type LocalBlobStore } from "@aloft/core";
import { nodeAt, nodeIds } from "../executor/node-map.ts";
import { isTerminalWorkflowPhase, type NodeStatus, type WorkflowStatus } from "../executor/status.ts";
import { activeMarkerKey, BlobWorkflowStore, DEFAULT_ENGINE_STORE_PREFIX, documentKey } from "./blob-workflow-store.ts";
import { encodeStatusDelta, encodeStoredStatus } from "./status-json.ts";
import {
  executionKey,
  type ExecutionSpec,
  type StatusChanges,
  type StoredStatus,
  type WorkflowStore,
} from "./workflow-store.ts";

export interface LocalWorkflowStoreOptions {
  /** Key prefix of the documents in the blob store (default BlobWorkflowStore's). */
  prefix?: string;
  /** Lines a log holds before it is compacted (default 4,096). */
  maxLines?: number;
  /** Bytes a log may hold before it is compacted even when the base is smaller (default 64 KiB). */
  minLogBytes?: number;
  /** Logs kept open at once; the least recently written is closed first (default 256). */
  maxOpen?: number;
  /** Tests: compare every node status also when a write's `changes` name the changed ones, and fail on a difference. */
  checkChanges?: boolean;
}

/** An execution's log while it runs: open for append, and what was written last. */
interface OpenLog {
  fd: number;
  version: number;
  /**
   * The status written last: its node statuses are compared by identity with the next write's. Its node map may be
   * the engine's overlay (`node-map.ts`), which the engine settles in place after the write — the same entries — and
   * into which it settles a later round only after that round is written.
   */
  status: WorkflowStatus;
  /** Keys in its node map. */
  nodes: number;
  lines: number;
  bytes: number;
  baseBytes: number;
}

interface LogLine {
  v: number;
  s: Omit<WorkflowStatus, "nodes">;
  n: Record<string, NodeStatus>;
}

const APPEND = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND;

export class LocalWorkflowStore implements WorkflowStore {
  readonly #blobs: LocalBlobStore;
  readonly #docs: BlobWorkflowStore;
  readonly #prefix: string;
  readonly #maxLines: number;
  readonly #minLogBytes: number;
  readonly #maxOpen: number;
  readonly #checkChanges: boolean;
  /** Logs open for append, least recently written first. */
  readonly #open = new Map<string, OpenLog>();
  /** Versions of running executions without an open log, as last read or written. */
  readonly #versions = new Map<string, number>();

  constructor(blobs: LocalBlobStore, options: LocalWorkflowStoreOptions = {}) {
    this.#blobs = blobs;
    this.#prefix = options.prefix ?? DEFAULT_ENGINE_STORE_PREFIX;
    this.#docs = new BlobWorkflowStore(blobs, this.#prefix);
    this.#maxLines = options.maxLines ?? 4096;
    this.#minLogBytes = options.minLogBytes ?? 64 * 1024;
    this.#maxOpen = options.maxOpen ?? 256;
    this.#checkChanges = options.checkChanges ?? false;
  }

  async create(spec: ExecutionSpec, status: WorkflowStatus): Promise<boolean> {
    const created = await this.#docs.create(spec, status);
    if (created) this.#versions.set(executionKey(spec.executionId), 1);
    return created;
  }

  getSpec(key: string): Promise<ExecutionSpec | undefined> {
    return this.#docs.getSpec(key);
  }

  requestAbort(key: string, cause: string): Promise<boolean> {
    return this.#docs.requestAbort(key, cause);
  }

  getAbortRequest(key: string): Promise<string | undefined> {
    return this.#docs.getAbortRequest(key);
  }

  listActive(): Promise<string[]> {
    return this.#docs.listActive();
  }

  async getStatus(key: string): Promise<StoredStatus | undefined> {
    let base: Uint8Array;
    try {
      base = await this.#blobs.get(this.#docKey(key, "status.json"));
    } catch (e) {
      if (e instanceof AloftError && e.code === Code.NOT_FOUND) return undefined;
      throw e;
    }
    const stored = replayLog(JSON.parse(Buffer.from(base).toString("utf8")) as StoredStatus, this.#readLog(key));
    // Never move the known version backwards: a read racing this instance's own write may return the older status.
    const known = this.#open.get(key)?.version ?? this.#versions.get(key);
    if ((known === undefined || stored.version > known) && !isTerminalWorkflowPhase(stored.status.phase)) {
      this.#versions.set(key, stored.version);
    }
    return stored;
  }

  async updateStatus(
    key: string,
    status: WorkflowStatus,
    expectedVersion: number,
    changes?: StatusChanges,
  ): Promise<number> {
    const open = this.#open.get(key);
    const current = open?.version ?? this.#versions.get(key);
    if (current !== undefined && current !== expectedVersion) {
      throw new AloftError(Code.ABORTED, "engine.workflow_conflict", `execution ${key} was updated concurrently`);
    }
    const next = expectedVersion + 1;
    if (open && !isTerminalWorkflowPhase(status.phase) && this.#append(key, open, status, next, changes)) return next;
    await this.#compact(key, status, next, open);
    return next;
  }

  /** Closes every open log (the engine stops); a later write opens its execution's log again, compacting it first. */
  async close(): Promise<void> {
    for (const key of [...this.#open.keys()]) this.#closeLog(key);
  }

  /** Appends the write to the open log; false when it must be compacted instead. */
  #append(key: string, open: OpenLog, status: WorkflowStatus, version: number, changes?: StatusChanges): boolean {
    if (open.lines >= this.#maxLines || open.bytes > Math.max(open.baseBytes, this.#minLogBytes)) return false;
    const named = changes?.since === open.status ? namedChanges(open, status.nodes, changes.nodes) : undefined;
    const changed = named && !this.#checkChanges ? named : changedNodes(open, status.nodes);
    if (named && this.#checkChanges) checkNamed(key, named, changed);
    if (!changed) return false;
    const line = encodeStatusDelta(status, version, changed.ids);
    try {
      for (let at = 0; at < line.length; ) at += writeSync(open.fd, line, at, line.length - at);
    } catch (e) {
      // A part of the line may be in the log: nothing may follow it. The next write compacts.
      this.#closeLog(key);
      throw writeError(this.#blobs.uri(this.#docKey(key, "status.log")), e);
    }
    open.version = version;
    open.status = status;
    open.nodes = changed.nodes;
    open.lines++;
    open.bytes += line.length;
    this.#open.delete(key); // most recently written last
    this.#open.set(key, open);
    return true;
  }

  /** Writes the status as a new base (temp + rename), then empties the log, or removes it when the execution ended. */
  async #compact(key: string, status: WorkflowStatus, version: number, open: OpenLog | undefined): Promise<void> {
    const body = encodeStoredStatus(status, version);
    try {
      await this.#blobs.put(this.#docKey(key, "status.json"), body, { contentType: "application/json" });
    } catch (e) {
      if (open) this.#closeLog(key);
      throw e;
    }
    const logPath = this.#path(key, "status.log");
    if (isTerminalWorkflowPhase(status.phase)) {
      if (this.#open.has(key)) this.#closeLog(key);
      this.#versions.delete(key);
      try {
        unlinkSync(logPath);
      } catch {
        // none, or one whose lines the base has made stale
      }
      await this.#blobs.delete(activeMarkerKey(this.#prefix, key));
      return;
    }
    // The base holds this write: the old lines (all of a lower version) are stale from here on, whether or not the
    // log can be emptied now.
    let fd = open?.fd;
    try {
      fd ??= openSync(logPath, APPEND);
      ftruncateSync(fd, 0);
    } catch {
      if (open) this.#closeLog(key);
      else if (fd !== undefined) closeQuietly(fd);
      this.#versions.set(key, version);
      return;
    }
    this.#open.delete(key);
    this.#versions.delete(key);
    this.#open.set(key, {
      fd,
      version,
      status,
      nodes: nodeIds(status.nodes).length,
      lines: 0,
      bytes: 0,
      baseBytes: body.length,
    });
    if (this.#open.size > this.#maxOpen) this.#closeLog(this.#open.keys().next().value!);
  }

  #closeLog(key: string): void {
    const open = this.#open.get(key);
    if (!open) return;
    this.#open.delete(key);
    this.#versions.set(key, open.version);
    closeQuietly(open.fd);
  }

  #readLog(key: string): Buffer | undefined {
    try {
      return readFileSync(this.#path(key, "status.log"));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw internal("blob.io", `read ${this.#blobs.uri(this.#docKey(key, "status.log"))}: ${(e as Error).message}`, e);
    }
  }

  #docKey(key: string, file: string): string {
    return documentKey(this.#prefix, key, file);
  }

  #path(key: string, file: string): string {
    return join(this.#blobs.root, ...this.#docKey(key, file).split("/"));
  }
}

interface Changed {
  /** Ids of the node statuses that are not the objects written last. */
  ids: string[];
  /** Keys in the new node map. */
  nodes: number;
}

/**
 * The ids of the node statuses that are not the objects written last, in the map's order, and the map's size; none
 * when a node status was removed (a line cannot say so: the write compacts).
 */
function changedNodes(open: OpenLog, nodes: Record<string, NodeStatus>): Changed | undefined {
  const before = open.status.nodes;
  const ids = nodeIds(nodes);
  const changed: string[] = [];
  let kept = 0;
  for (const id of ids) {
    const was = nodeAt(before, id);
    if (was !== undefined) kept++;
    if (nodeAt(nodes, id) !== was) changed.push(id);
  }
  return kept === open.nodes ? { ids: changed, nodes: ids.length } : undefined;
}

/**
 * As `changedNodes`, but only the named ids are compared (every other node status is the object written last): in the
 * order named (the order a round added them to the map), without walking the map.
 */
function namedChanges(
  open: OpenLog,
  nodes: Record<string, NodeStatus>,
  named: ReadonlySet<string>,
): Changed | undefined {
  const before = open.status.nodes;
  const ids: string[] = [];
  let count = open.nodes;
  for (const id of named) {
    const was = nodeAt(before, id);
    const now = nodeAt(nodes, id);
    if (now === was) continue;
    if (now === undefined) return undefined; // removed
    if (was === undefined) count++;
    ids.push(id);
  }
  return { ids, nodes: count };
}

/** The named changes against those found by comparing every node status (`checkChanges`). */
function checkNamed(key: string, named: Changed, walked: Changed | undefined): void {
  const same =
    walked !== undefined &&
    walked.nodes === named.nodes &&
    walked.ids.length === named.ids.length &&
    new Set([...walked.ids, ...named.ids]).size === walked.ids.length;
  if (!same) {
    throw internal(
      "engine.status_changes",
      `status of ${key}: the write named ${JSON.stringify(named)} as changed, comparing found ${JSON.stringify(walked)}`,
    );
  }
}

/** The base with the log's lines of higher versions applied in order, up to a torn or out-of-sequence line. */
function replayLog(base: StoredStatus, log: Buffer | undefined): StoredStatus {
  if (!log || log.length === 0) return base;
  let { status, version } = base;
  const nodes = status.nodes;
  for (let start = 0; ; ) {
    const end = log.indexOf(10, start);
    if (end < 0) break; // a torn last line: the write it held is lost
    let line: LogLine;
    try {
      line = JSON.parse(log.toString("utf8", start, end)) as LogLine;
    } catch {
      break;
    }
    start = end + 1;
    if (!isLogLine(line)) break;
    if (line.v <= version) continue; // written before the base was
    if (line.v !== version + 1) break;
    Object.assign(nodes, line.n);
    status = { ...line.s, nodes } as WorkflowStatus;
    version = line.v;
  }
  return { status, version };
}

function isLogLine(v: unknown): v is LogLine {
  const l = v as Partial<LogLine> | null;
  return (
    typeof l === "object" &&
    l !== null &&
    typeof l.v === "number" &&
    typeof l.s === "object" &&
    l.s !== null &&
    typeof l.n === "object" &&
    l.n !== null
  );
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // closed already
  }
}

function writeError(uri: string, e: unknown): AloftError {
  return resourceExhausted(e, `write ${uri}`) ?? internal("blob.io", `write ${uri}: ${(e as Error).message}`, e);
}
