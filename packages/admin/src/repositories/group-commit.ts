// Group commit for the event path: writes submitted while others are pending run in one transaction, so that N
// concurrent events (different executions, several writers) cost one commit instead of N. Each write keeps its own
// result and error:
// - a write's promise settles only after its transaction committed (an acknowledged write is never lost);
// - a write that fails inside the batch gets its error, the batch is rolled back and the others run again without
//   it (a bad write does not fail or undo the others; on PostgreSQL an error aborts the whole transaction);
// - a commit that fails (a deferred constraint) rolls back; each write then runs alone, with its own outcome;
// - a lost connection (at begin or commit: the outcome is unknown) fails every write of the batch with UNAVAILABLE,
//   as it fails a single write: the caller retries, and event writes are inserts and compare-and-sets, which a
//   write that did commit turns into "already exists" / "changed concurrently" on the retry, never a second apply.
// Writes run in the order they were submitted, so events of one execution sent in order are applied in order.
// SQLite (one connection, no round trips): one batch at a time, gathering every write submitted in the same turn —
// a batch costs one commit whatever its size. PostgreSQL (a pool, a round trip per statement): a write starts at
// once on a free connection, as without group commit, and only writes that find every batch slot busy wait to
// share the next transaction — so that the batch's begin and commit round trips are paid only where they save
// commits (many concurrent events), not added to the latency of a few.
// The managers count the events they are applying (enter / leave): on SQLite, the write of an event applied while no
// other is (one writer) cannot share a transaction with anything, so it runs at once instead of waiting a turn —
// that wait (a setImmediate and an event-loop pass per write) cost 3–4 µs of a lone event's ≈ 30.
import type { Kysely } from "kysely";
import { isConnectionError, translateDbError } from "./db-errors.ts";
import { executeWrite, ownConnection } from "./direct-writes.ts";
import type { Schema } from "./schema.ts";
import { isNetworkDialect } from "./write-sql.ts";

/**
 * One write: only database statements, run on the executor it is given (the batch's transaction; undefined means
 * the repository's own database). Anything slow that is not the database (blob uploads) is done before.
 */
export type Write<T> = (db?: Kysely<Schema>) => Promise<T>;

/** Runs the write through the group commit when there is one, else straight away. */
export function groupWrite<T>(writes: GroupCommit | undefined, write: Write<T>): Promise<T> {
  return writes ? writes.run(write) : write();
}

interface Pending {
  write: Write<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

const BEGIN = { sql: "begin", parameters: [] };
const COMMIT = { sql: "commit", parameters: [] };
const ROLLBACK = { sql: "rollback", parameters: [] };

const DEFAULT_MAX_BATCH = 256;
/** Transactions in flight at once on PostgreSQL (the pool keeps other connections for reads). */
const NETWORK_CONCURRENCY = 4;

export class GroupCommit {
  private queue: Pending[] = [];
  private draining = 0;
  private concurrency: number | undefined;
  /** Events being applied (counted by the event managers around each one). */
  private events = 0;
  /** Transactions committed with more than one write, and the writes they held (metrics and tests). */
  readonly stats = { batches: 0, batchedWrites: 0 };

  constructor(
    private readonly db: Kysely<Schema>,
    private readonly maxBatch = DEFAULT_MAX_BATCH,
  ) {}

  /** An event starts being applied; `leave` when it is done (whatever its outcome). */
  enter(): void {
    this.events += 1;
  }

  leave(): void {
    this.events -= 1;
  }

  run<T>(write: Write<T>): Promise<T> {
    const concurrency = (this.concurrency ??= isNetworkDialect(this.db) ? NETWORK_CONCURRENCY : 1);
    // SQLite, one event in progress and nothing queued: no write can join this one, so it runs as it would alone.
    if (concurrency === 1 && this.events === 1 && this.draining === 0) return write(this.db);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ write, resolve: resolve as (v: unknown) => void, reject });
      if (this.draining >= concurrency) return;
      this.draining += 1;
      // SQLite: after the current turn, so that every write submitted by callers ready now joins the batch.
      if (concurrency === 1) setImmediate(() => void this.drain());
      else void this.drain();
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.flush(this.queue.splice(0, this.maxBatch));
    } finally {
      this.draining -= 1;
    }
  }

  /** Never throws: every write of the batch is settled. */
  private async flush(batch: Pending[]): Promise<void> {
    if (batch.length === 1) return alone(batch[0]!, this.db);
    let outcome: { results: unknown[] } | { failed: number; err: unknown } | { commitFailed: unknown };
    try {
      outcome = await this.db.connection().execute(async (conn) => {
        // The batch's statements may run on the SQLite connection directly: it is held, the transaction its own.
        ownConnection(this.db, conn);
        await executeWrite(conn, BEGIN);
        const results: unknown[] = [];
        for (let i = 0; i < batch.length; i++) {
          try {
            results.push(await batch[i]!.write(conn));
          } catch (err) {
            await executeWrite(conn, ROLLBACK).catch(() => undefined);
            return { failed: i, err };
          }
        }
        try {
          await executeWrite(conn, COMMIT);
        } catch (err) {
          await executeWrite(conn, ROLLBACK).catch(() => undefined);
          return { commitFailed: err };
        }
        return { results };
      });
    } catch (err) {
      // begin failed, or the connection could not be had: nothing of the batch was written.
      const e = translateDbError(err);
      for (const p of batch) p.reject(e);
      return;
    }
    if ("results" in outcome) {
      this.stats.batches += 1;
      this.stats.batchedWrites += batch.length;
      for (let i = 0; i < batch.length; i++) batch[i]!.resolve(outcome.results[i]);
      return;
    }
    if ("commitFailed" in outcome) {
      if (isConnectionError(outcome.commitFailed)) {
        const e = translateDbError(outcome.commitFailed);
        for (const p of batch) p.reject(e);
        return;
      }
      for (const p of batch) await alone(p, this.db);
      return;
    }
    batch[outcome.failed]!.reject(outcome.err);
    await this.flush(batch.filter((_, i) => i !== outcome.failed));
  }
}

/** Runs one write outside any batch (its statement commits on its own) and settles it. */
async function alone(p: Pending, db: Kysely<Schema>): Promise<void> {
  try {
    p.resolve(await p.write(db));
  } catch (err) {
    p.reject(err);
  }
}
