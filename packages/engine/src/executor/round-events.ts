// The events of one round sent without awaiting each (issue 16): the round goes on while admin answers, and is saved
// only once every answer is in (RoundEvents.flush). Ordering is kept here, whatever the sink does: a node's events go
// one after another (each sent once the previous one is answered), a child node's after its parent's earlier ones
// (admin looks the parent up: node-event-manager.ts createFromEvent), a parent's after its children's earlier ones (as
// a round that awaited each event sent them: a nested scope's events come before its parent node's), and the workflow
// event after all of them (the round flushes before it is sent).
import type { NodeStatus } from "./status.ts";

interface Entry {
  /** Settles when the event (and any fallback) is answered; never rejects. */
  done: Promise<void>;
  failed: boolean;
  error: unknown;
}

export class RoundEvents {
  readonly #entries: Entry[] = [];
  /** Per node: settles once its latest event is answered, with its refusal (or that of an earlier one). */
  readonly #tails = new Map<string, Promise<{ error: unknown } | undefined>>();
  /** Per parent node: its children's events sent since its own latest one, settling when answered. */
  readonly #below = new Map<string, Promise<unknown>[]>();
  /** Statuses an answer may still change (the fallback of an event admin cannot take), with that answer. */
  readonly #changing = new Map<NodeStatus, Promise<void>>();

  /**
   * Sends an event of `node` (unique id; a child's `parent` is its parent node's) once the node's earlier events, the
   * parent's, and its own children's are answered. Awaited by callers that need the outcome; `defer` for the others.
   */
  send(node: string, parent: string | undefined, call: () => Promise<void>): Promise<void> {
    const own = this.#tails.get(node);
    const up = parent === undefined ? undefined : this.#tails.get(parent);
    const below = this.#below.get(node);
    if (below) this.#below.delete(node);
    // After a refused event of the node its later ones are not sent (admin would take them out of order: a node queued
    // and started in one visit would be created RUNNING); they fail with the refusal, which the round fails with.
    const sent =
      own || up || below
        ? Promise.all([own, up, ...(below ?? [])]).then(([refused]) =>
            refused ? Promise.reject(refused.error) : call(),
          )
        : call();
    const settled = sent.then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    this.#tails.set(node, settled);
    if (parent !== undefined) {
      const siblings = this.#below.get(parent);
      if (siblings) siblings.push(settled);
      else this.#below.set(parent, [settled]);
    }
    return sent;
  }

  /**
   * Sends without waiting: the round learns the outcome in `flush`. `changes` is the status the answer may still change
   * (when `call` falls back on a rejection by changing it); readers of that status wait for it with `answered`.
   */
  defer(node: string, parent: string | undefined, call: () => Promise<void>, changes?: NodeStatus): void {
    const entry: Entry = { done: Promise.resolve(), failed: false, error: undefined };
    entry.done = this.send(node, parent, call).then(
      () => undefined,
      (e: unknown) => {
        entry.failed = true;
        entry.error = e;
      },
    );
    this.#entries.push(entry);
    if (changes) this.#changing.set(changes, entry.done);
  }

  /** Whether some answer may still change a status. */
  get changing(): boolean {
    return this.#changing.size > 0;
  }

  /** Waits until the answer that may change `status` (if any) is in. */
  async answered(status: NodeStatus | undefined): Promise<void> {
    const done = status && this.#changing.get(status);
    if (done) await done;
  }

  /**
   * Waits for every answer, then throws the first failure in the order the events were deferred — the error the round
   * would have stopped at had it awaited each event. `thrown`: the round already failed with it (after those events).
   */
  async flush(thrown?: { error: unknown }): Promise<void> {
    for (const e of this.#entries) await e.done;
    const failed = this.#entries.find((e) => e.failed);
    if (failed) throw failed.error;
    if (thrown) throw thrown.error;
  }
}
