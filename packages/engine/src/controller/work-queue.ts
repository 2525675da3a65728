// A key-deduplicated work queue (client-go workqueue semantics): a key is queued at most once, handed to one worker
// at a time, and re-queued after `done` if it was added while being processed. Delayed adds keep the earliest timer.
import type { EngineMetrics } from "../metrics/engine-metrics.ts";

type QueueMetrics = Pick<EngineMetrics, "queueAdded" | "queueRetried" | "queueLatency" | "queueWorkDuration">;

export class WorkQueue {
  readonly #queue: string[] = [];
  readonly #queued = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #dirtyWhileProcessing = new Set<string>();
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #waiters: ((key: string | undefined) => void)[] = [];
  #shutdown = false;
  /** With metrics: when each queued key was added and when each key in progress was handed out (ms). */
  readonly #metrics: QueueMetrics | undefined;
  readonly #addedAt = new Map<string, number>();
  readonly #startedAt = new Map<string, number>();

  constructor(metrics?: QueueMetrics) {
    this.#metrics = metrics;
  }

  get length(): number {
    return this.#queue.length;
  }

  get processingCount(): number {
    return this.#processing.size;
  }

  add(key: string): void {
    if (this.#shutdown) return;
    if (this.#processing.has(key)) {
      this.#dirtyWhileProcessing.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#processing.add(key);
      if (this.#metrics) {
        this.#metrics.queueAdded();
        this.#metrics.queueLatency(0);
        this.#startedAt.set(key, performance.now());
      }
      waiter(key);
      return;
    }
    this.#queued.add(key);
    this.#queue.push(key);
    if (this.#metrics) {
      this.#metrics.queueAdded();
      this.#addedAt.set(key, performance.now());
    }
  }

  /** A delayed add after a failure (client-go AddRateLimited): counted as a retry. */
  retryAfter(key: string, delayMs: number): void {
    this.#metrics?.queueRetried();
    this.addAfter(key, delayMs);
  }

  addAfter(key: string, delayMs: number): void {
    if (this.#shutdown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + delayMs;
    const existing = this.#timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref?.();
    this.#timers.set(key, { at, timer });
  }

  /** The next key (now marked processing), or undefined once shut down. */
  get(): Promise<string | undefined> {
    const key = this.#queue.shift();
    if (key !== undefined) {
      this.#queued.delete(key);
      this.#processing.add(key);
      if (this.#metrics) {
        const now = performance.now();
        this.#metrics.queueLatency((now - (this.#addedAt.get(key) ?? now)) / 1000);
        this.#addedAt.delete(key);
        this.#startedAt.set(key, now);
      }
      return Promise.resolve(key);
    }
    if (this.#shutdown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  done(key: string): void {
    this.#processing.delete(key);
    const started = this.#startedAt.get(key);
    if (started !== undefined) {
      this.#startedAt.delete(key);
      this.#metrics?.queueWorkDuration((performance.now() - started) / 1000);
    }
    if (this.#dirtyWhileProcessing.delete(key)) this.add(key);
  }

  /** Seconds of work in progress, summed over the keys being processed (tracked only with metrics). */
  unfinishedWorkSeconds(): number {
    const now = performance.now();
    let total = 0;
    for (const t of this.#startedAt.values()) total += now - t;
    return total / 1000;
  }

  /** Seconds the longest-running key in progress has been processed (tracked only with metrics). */
  longestRunningSeconds(): number {
    const now = performance.now();
    let oldest = now;
    for (const t of this.#startedAt.values()) oldest = Math.min(oldest, t);
    return (now - oldest) / 1000;
  }

  shutdown(): void {
    this.#shutdown = true;
    for (const t of this.#timers.values()) clearTimeout(t.timer);
    this.#timers.clear();
    for (const w of this.#waiters.splice(0)) w(undefined);
  }
}
