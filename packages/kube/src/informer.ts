// An informer as client-go's: list, then watch from the list's resourceVersion with bookmarks; a local cache with
// indexes; add/update/delete handlers; a periodic resync that replays every cached object as an update; watches that
// resume from the last seen resourceVersion after errors and timeouts (with backoff) and relist on 410 Gone.
import type { AloftError, Logger } from "@aloft/core";
import { isGone } from "./errors.ts";
import { type IndexFunc, Indexer } from "./indexer.ts";
import type { KubeApi, Selector, WatchHandle } from "./kube-api.ts";
import { objectKey, type ResourceType } from "./resources.ts";
import type { KubeObject, KubeStatus, WatchEvent } from "./types.ts";

export interface InformerHandlers<T extends KubeObject> {
  onAdd?(obj: T): void;
  /** Also called by a resync (and a relist) with `old` the cached object, possibly identical to `obj`. */
  onUpdate?(old: T, obj: T): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions<T extends KubeObject> {
  namespace?: string;
  labelSelector?: Selector;
  fieldSelector?: Selector;
  /** Replay every cached object to onUpdate this often; 0 (default) never. */
  resyncPeriodMs?: number;
  indexers?: Record<string, IndexFunc<T>>;
  logger?: Logger;
  /** Backoff after a failed list or watch: from `initialMs` doubling to `maxMs`. Default 200 ms → 30 s. */
  backoff?: { initialMs: number; maxMs: number };
  /** The server ends each watch after this long (client-go: 5–10 min, random); the informer then resumes. */
  watchTimeoutSeconds?: number;
}

export class Informer<T extends KubeObject> {
  readonly store: Indexer<T>;
  private readonly handlers: InformerHandlers<T>[] = [];
  private stopped = true;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private resourceVersion = "";
  private watchHandle: WatchHandle | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** How many times the informer listed (1 at start, one more per relist): tests and metrics. */
  listCount = 0;

  constructor(
    private readonly api: KubeApi,
    private readonly type: ResourceType,
    private readonly options: InformerOptions<T> = {},
  ) {
    this.store = new Indexer(options.indexers);
  }

  addHandlers(handlers: InformerHandlers<T>): void {
    this.handlers.push(handlers);
    // As client-go: a handler added after the start hears about what is already cached.
    for (const obj of this.store.list()) this.call("onAdd", (h) => h.onAdd?.(obj));
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first list is in the cache. */
  waitForSync(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** The resourceVersion the next watch resumes from. */
  get lastSyncResourceVersion(): string {
    return this.resourceVersion;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.running = this.run();
    const period = this.options.resyncPeriodMs ?? 0;
    if (period > 0) {
      this.resyncTimer = setInterval(() => this.resync(), period);
      this.resyncTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.watchHandle?.stop();
    this.wake?.();
    await this.running;
  }

  private call(what: string, fn: (h: InformerHandlers<T>) => void): void {
    for (const h of this.handlers) {
      try {
        fn(h);
      } catch (err) {
        this.options.logger?.error({ err, kind: this.type.kind, handler: what }, "informer handler failed");
      }
    }
  }

  private resync(): void {
    for (const obj of this.store.list()) this.call("onUpdate", (h) => h.onUpdate?.(obj, obj));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    const { initialMs, maxMs } = this.options.backoff ?? { initialMs: 200, maxMs: 30_000 };
    let delay = initialMs;
    while (!this.stopped) {
      try {
        await this.list();
        delay = initialMs;
        // Watch until the server says our version is gone (410): then relist.
        while (!this.stopped) {
          const outcome = await this.watchOnce();
          if (outcome === "gone") break;
          if (outcome === "error") {
            await this.sleep(delay);
            delay = Math.min(delay * 2, maxMs);
          } else delay = initialMs;
        }
      } catch (err) {
        if (this.stopped) return;
        this.options.logger?.warn({ err, kind: this.type.kind }, "informer list failed; retrying");
        await this.sleep(delay);
        delay = Math.min(delay * 2, maxMs);
      }
    }
  }

  private async list(): Promise<void> {
    const { namespace, labelSelector, fieldSelector } = this.options;
    const list = await this.api.list<T>(this.type, { namespace, labelSelector, fieldSelector });
    this.listCount++;
    this.replace(list.items);
    this.resourceVersion = list.metadata.resourceVersion ?? "";
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  /** A relist: what vanished is deleted, what is new added, the rest updated (as client-go's Replace). */
  private replace(items: T[]): void {
    const seen = new Set<string>();
    for (const obj of items) {
      seen.add(objectKey(obj));
      this.upsert(obj);
    }
    for (const key of this.store.keys()) {
      if (seen.has(key)) continue;
      const old = this.store.remove(key)!;
      this.call("onDelete", (h) => h.onDelete?.(old));
    }
  }

  private upsert(obj: T): void {
    const old = this.store.upsert(obj);
    if (old) this.call("onUpdate", (h) => h.onUpdate?.(old, obj));
    else this.call("onAdd", (h) => h.onAdd?.(obj));
  }

  private async watchOnce(): Promise<"gone" | "error" | "closed"> {
    let expired = false;
    let received = 0;
    let failure: KubeStatus | undefined;
    const onEvent = (event: WatchEvent<T>) => {
      received++;
      if (event.type === "ERROR") {
        const status = event.object as unknown as KubeStatus;
        if (status.code === 410) expired = true;
        else failure = status;
        this.watchHandle?.stop();
        return;
      }
      const rv = event.object.metadata?.resourceVersion;
      if (rv) this.resourceVersion = rv;
      if (event.type === "BOOKMARK") return;
      if (event.type === "DELETED") {
        const old = this.store.remove(objectKey(event.object));
        this.call("onDelete", (h) => h.onDelete?.(old ?? event.object));
      } else this.upsert(event.object);
    };
    const { namespace, labelSelector, fieldSelector } = this.options;
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? Math.floor(300 + Math.random() * 300);
    let err: AloftError | undefined;
    try {
      this.watchHandle = await this.api.watch<T>(
        this.type,
        {
          namespace,
          labelSelector,
          fieldSelector,
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds,
        },
        onEvent,
      );
      // stop() while the watch was being established found no handle to stop: stop it now, or it would run until
      // the server's timeout (minutes) and stop() would wait for it.
      if (this.stopped) this.watchHandle.stop();
      err = await this.watchHandle.closed;
    } catch (e) {
      err = e as AloftError;
    }
    if (this.stopped) return "closed";
    if (expired || isGone(err)) {
      this.options.logger?.info(
        { kind: this.type.kind, rv: this.resourceVersion },
        "watch expired (410 Gone); relisting",
      );
      return "gone";
    }
    // A watch that ends at once without an event is treated as a failure, so that it is retried with backoff.
    if (err || failure || received === 0) {
      this.options.logger?.warn({ err, status: failure, kind: this.type.kind }, "watch failed; resuming");
      return "error";
    }
    return "closed";
  }
}
