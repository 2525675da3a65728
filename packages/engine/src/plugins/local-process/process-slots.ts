// The local runtime's process slots (engine.maxConcurrentTasks), handed out first come, first served. Without a line,
// whichever round happened to run right after a process ended took the freed slot, so with many executions waiting a
// task could lose that race again and again (a three-task chain launched first finished last, minutes later). Here a
// waiting task keeps its place from its first request; a freed slot wakes the waiters it now admits, so the slot does
// not sit idle until their next poll. A waiter that stops asking (its execution was deleted or the engine moved on
// without aborting it) loses its place after `staleMs`, so a vanished waiter can never block the line.
import type { Clock } from "@aloft/core";

export type SlotGrant = { granted: true } | { granted: false; place: number; inUse: number };

interface Waiter {
  seenAt: number;
  wake: (() => void) | undefined;
}

export class ProcessSlots {
  readonly #max: number | undefined;
  readonly #clock: Clock;
  readonly #staleMs: number;
  readonly #held = new Set<string>();
  /** In the order of first request (a Map keeps insertion order; updating an entry keeps its place). */
  readonly #waiting = new Map<string, Waiter>();

  /** `max` undefined: unlimited (every request is granted at once). */
  constructor(max: number | undefined, clock: Clock, staleMs = 60_000) {
    this.#max = max;
    this.#clock = clock;
    this.#staleMs = staleMs;
  }

  get heldCount(): number {
    return this.#held.size;
  }

  get waitingCount(): number {
    return this.#waiting.size;
  }

  /** A slot for `name`, or its place in line (1 = next); `wake` is called when a freed slot admits it. */
  acquire(name: string, wake?: () => void): SlotGrant {
    if (this.#held.has(name)) return { granted: true };
    if (this.#max === undefined) {
      this.#held.add(name);
      return { granted: true };
    }
    const now = this.#clock.now().getTime();
    for (const [other, w] of this.#waiting) {
      if (other !== name && now - w.seenAt > this.#staleMs) this.#waiting.delete(other);
    }
    const entry = this.#waiting.get(name);
    if (entry) {
      entry.seenAt = now;
      entry.wake = wake;
    } else this.#waiting.set(name, { seenAt: now, wake });
    const free = this.#max - this.#held.size;
    let place = 0;
    for (const other of this.#waiting.keys()) {
      if (other === name) break;
      place++;
    }
    if (place < free) {
      this.#waiting.delete(name);
      this.#held.add(name);
      return { granted: true };
    }
    return { granted: false, place: place + 1, inUse: this.#held.size };
  }

  /** Counts a process found running (adopted after a restart) whatever the limit: it runs already. */
  adopt(name: string): void {
    this.#waiting.delete(name);
    this.#held.add(name);
  }

  /** The attempt is done with its slot, or stops waiting for one (finished, failed, aborted). */
  release(name: string): void {
    this.#waiting.delete(name);
    if (!this.#held.delete(name) || this.#max === undefined) return;
    let free = this.#max - this.#held.size;
    for (const w of this.#waiting.values()) {
      if (free-- <= 0) break;
      w.wake?.();
    }
  }
}
