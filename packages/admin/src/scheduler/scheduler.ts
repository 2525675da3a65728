// The native scheduler (upstream flyteadmin/scheduler/*): fires the active schedulable entities — cron and fixed
// rate — through an injected `launch` port (admin's execution manager in `aloft start`, @aloft/client against admin
// in `aloft scheduler`). Every loop is idempotent: a fire time always names the same execution, so a replay, a
// catch-up after a restart or a concurrent replica answers ALREADY_EXISTS, which counts as success. Fire times are
// recorded per schedule in the database after each fire (the snapshot a restart resumes from); a restart catches up
// every fire time missed since, oldest first, bounded by maxCatchUp. Each schedule fires independently: one whose
// launches fail or hang never delays the others.
import type { Kysely } from "kysely";
import type { ExecutionCreateRequest } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { InactiveProjectSchema } from "@aloft/idl/flyteidl/admin/project_pb.js";
import { AloftError, Code, type Clock, type Logger, type SchedulerMetrics } from "@aloft/core";
import type { Schema } from "../repositories/schema.ts";
import { SchedulableEntityRepo, type SchedulableEntityRow } from "../repositories/schedulable-entity-repo.ts";
import { FireTimesFactory, fireTimesBetween, type FireTimes } from "./fire-times.ts";
import { scheduledLaunchRequest } from "./launch-request.ts";

/** Creates one execution; throws AloftError (ALREADY_EXISTS for a name that exists). */
export type ScheduledLaunch = (req: ExecutionCreateRequest) => Promise<void>;

export interface SchedulerOptions {
  /** Cron in UTC (default, as upstream's useUTCTz) or in the scheduler's local zone. */
  useUtcTz: boolean;
  /** At most this many missed fire times per schedule are launched by one catch-up (the newest); the rest are logged. */
  maxCatchUp: number;
  /** How often the active schedules are re-read from the database (ms): activations and deactivations show up then. */
  reloadIntervalMs: number;
  /** Launches in flight at once, across schedules. */
  concurrency: number;
  /** Attempts per fire time on retryable errors (UNAVAILABLE, INTERNAL, …) before it is given up. */
  maxAttempts: number;
  /** The longest the loop sleeps between looks at the schedules (ms). */
  maxSleepMs: number;
}

export const defaultSchedulerOptions: SchedulerOptions = {
  useUtcTz: true,
  maxCatchUp: 100,
  reloadIntervalMs: 10_000,
  concurrency: 16,
  maxAttempts: 10,
  maxSleepMs: 1000,
};

export interface SchedulerDeps {
  db: Kysely<Schema>;
  clock: Clock;
  logger: Logger;
  launch: ScheduledLaunch;
  metrics?: SchedulerMetrics;
  options?: Partial<SchedulerOptions>;
}

interface Entry {
  row: SchedulableEntityRow;
  times: FireTimes | undefined;
  /** The newest fire time done (launched, existing, or given up): the next fire is after it. */
  last: number;
  due: number | undefined;
  busy: boolean;
  removed: boolean;
  attempts: number;
  retryAt: number;
}

const NON_RETRYABLE = new Set([
  Code.INVALID_ARGUMENT,
  Code.NOT_FOUND,
  Code.FAILED_PRECONDITION,
  Code.PERMISSION_DENIED,
  Code.UNAUTHENTICATED,
  Code.UNIMPLEMENTED,
  Code.OUT_OF_RANGE,
]);

const keyOf = (r: { project: string; domain: string; name: string; version: string }) =>
  `${r.project}\u0000${r.domain}\u0000${r.name}\u0000${r.version}`;
const lpText = (r: { project: string; domain: string; name: string; version: string }) =>
  `${r.project}/${r.domain}/${r.name}@${r.version}`;

export class Scheduler {
  readonly options: SchedulerOptions;
  readonly #deps: SchedulerDeps;
  readonly #repo: SchedulableEntityRepo;
  readonly #factory: FireTimesFactory;
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Set<Promise<void>>();
  readonly #waiting: Array<() => void> = [];
  readonly #pending = new Map<string, { row: SchedulableEntityRow; at: number; error?: string | undefined }>();
  #flushing: Promise<void> | undefined;
  #active = 0;
  #reloadedAt = Number.NEGATIVE_INFINITY;
  #reloading: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #stopped = false;

  constructor(deps: SchedulerDeps) {
    this.#deps = deps;
    this.options = { ...defaultSchedulerOptions, ...deps.options };
    this.#repo = new SchedulableEntityRepo(deps.db, deps.clock);
    this.#factory = new FireTimesFactory(this.options.useUtcTz);
  }

  /** Re-reads the active schedules: new ones start from their activation (or their snapshot), gone ones stop. */
  reload(): Promise<void> {
    this.#reloading ??= this.#reload().finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  async #reload(): Promise<void> {
    const rows = await this.#repo.listActive();
    this.#reloadedAt = this.#deps.clock.now().getTime();
    const seen = new Set<string>();
    for (const row of rows) {
      const key = keyOf(row);
      seen.add(key);
      const start = Math.max(row.updatedAt.getTime(), row.lastFireAt?.getTime() ?? 0);
      const entry = this.#entries.get(key);
      if (entry && entry.row.updatedAt.getTime() === row.updatedAt.getTime()) {
        // Another replica may have fired further: never go back, never skip ahead of what is recorded.
        if (start > entry.last && !entry.busy) this.#setLast(entry, start);
        entry.row = row;
        continue;
      }
      if (entry) entry.removed = true;
      const fresh: Entry = {
        row,
        times: this.#timesOf(row),
        last: start,
        due: undefined,
        busy: false,
        removed: false,
        attempts: 0,
        retryAt: 0,
      };
      this.#setLast(fresh, start);
      this.#entries.set(key, fresh);
    }
    for (const [key, entry] of this.#entries) {
      if (!seen.has(key)) {
        entry.removed = true;
        this.#entries.delete(key);
      }
    }
  }

  #timesOf(row: SchedulableEntityRow): FireTimes | undefined {
    try {
      return this.#factory.of(row);
    } catch (err) {
      const message = `cannot compute fire times: ${(err as Error).message}`;
      this.#deps.logger.error({ launchPlan: lpText(row), err }, "schedule is malformed; it will not fire");
      void this.#repo.recordError(row, message).catch(() => undefined);
      return undefined;
    }
  }

  #setLast(entry: Entry, last: number): void {
    entry.last = last;
    entry.due = entry.times?.next(last);
  }

  /**
   * One look at the schedules: reload when due, then fire every schedule whose next time has come (with its missed
   * times). Resolves when the fires it started have finished.
   */
  async tick(): Promise<void> {
    await this.#reloadIfDue();
    await Promise.all(this.#startDue());
    await this.flush();
  }

  async #reloadIfDue(): Promise<void> {
    if (this.#deps.clock.now().getTime() - this.#reloadedAt >= this.options.reloadIntervalMs) await this.reload();
  }

  #startDue(): Promise<void>[] {
    const now = this.#deps.clock.now().getTime();
    const started: Promise<void>[] = [];
    for (const entry of this.#entries.values()) {
      if (entry.busy || entry.due === undefined || entry.due > now || entry.retryAt > now) continue;
      entry.busy = true;
      const p = this.#fire(entry, now).finally(() => {
        entry.busy = false;
        this.#inflight.delete(p);
      });
      this.#inflight.add(p);
      started.push(p);
    }
    return started;
  }

  async #fire(entry: Entry, now: number): Promise<void> {
    const { logger } = this.#deps;
    const times = entry.times;
    if (!times) return;
    const span = fireTimesBetween(times, entry.last, now, this.options.maxCatchUp);
    if (span.skipped > 0 && span.lastSkipped !== undefined) {
      const message = `catch-up bound (scheduler.maxCatchUp=${this.options.maxCatchUp}) reached: ${span.skipped} missed fire times from ${new Date(span.firstSkipped ?? 0).toISOString()} to ${new Date(span.lastSkipped).toISOString()} were not launched`;
      logger.warn({ launchPlan: lpText(entry.row), skipped: span.skipped }, message);
      this.#deps.metrics?.dropped.inc({ reason: "catch_up_bound" }, span.skipped);
      this.#setLast(entry, span.lastSkipped);
      this.#record(entry.row, span.lastSkipped, message);
    }
    for (const t of span.times) {
      if (entry.removed || this.#stopped) return;
      await this.#acquire();
      let next: boolean;
      try {
        next = await this.#launchOne(entry, t);
      } finally {
        this.#release();
      }
      if (!next) return;
    }
  }

  /** Launches fire time `t`; true when the schedule may go on to its next time, false to retry `t` later. */
  async #launchOne(entry: Entry, t: number): Promise<boolean> {
    const { logger, metrics, clock } = this.#deps;
    const row = entry.row;
    const scheduledAt = new Date(t).toISOString();
    let outcome: "launched" | "exists" | "skipped_inactive_project";
    const req = scheduledLaunchRequest(row, t);
    try {
      await this.#deps.launch(req);
      outcome = "launched";
    } catch (err) {
      if (err instanceof AloftError && err.code === Code.ALREADY_EXISTS) outcome = "exists";
      else if (isInactiveProject(err)) outcome = "skipped_inactive_project";
      else return this.#failed(entry, t, err);
    }
    entry.attempts = 0;
    entry.retryAt = 0;
    this.#setLast(entry, t);
    metrics?.fires.inc({ outcome });
    metrics?.lag.observe({}, Math.max(0, clock.now().getTime() - t) / 1000);
    logger.info(
      { launchPlan: lpText(row), scheduledAt, execution: req.name, outcome },
      outcome === "launched" ? "scheduled execution launched" : `scheduled execution ${outcome}`,
    );
    this.#record(row, t);
    return true;
  }

  async #failed(entry: Entry, t: number, err: unknown): Promise<boolean> {
    const { logger, metrics, clock } = this.#deps;
    const row = entry.row;
    const scheduledAt = new Date(t).toISOString();
    const code = err instanceof AloftError ? err.code : Code.UNKNOWN;
    const message = `${Code[code] ?? code}: ${err instanceof Error ? err.message : String(err)}`;
    entry.attempts++;
    metrics?.failures.inc({ code: Code[code] ?? String(code) });
    const retry = !NON_RETRYABLE.has(code) && entry.attempts < this.options.maxAttempts;
    logger.error(
      { launchPlan: lpText(row), scheduledAt, attempt: entry.attempts, err },
      retry ? "scheduled launch failed; will retry" : "scheduled launch failed; giving up on this fire time",
    );
    const error = `fire time ${scheduledAt}: ${message}`;
    if (retry) {
      // Exponential backoff per schedule (0.5 s, 1 s, 2 s … capped at a minute): the others keep firing meanwhile.
      entry.retryAt = clock.now().getTime() + Math.min(60_000, 500 * 2 ** (entry.attempts - 1));
      await this.#repo.recordError(row, error).catch(() => undefined);
      return false;
    }
    metrics?.dropped.inc({ reason: "failed" });
    entry.attempts = 0;
    entry.retryAt = 0;
    this.#setLast(entry, t);
    this.#record(row, t, error);
    return true;
  }

  /**
   * Remembers a fire for the snapshot. Snapshots are written in batches (one transaction per flush) rather than one
   * statement per fire: a crash before a flush only replays fires, which answer ALREADY_EXISTS (upstream writes its
   * snapshot every 30 s).
   */
  #record(row: SchedulableEntityRow, at: number, error?: string): void {
    const key = keyOf(row);
    const prev = this.#pending.get(key);
    if (prev && prev.at > at) return;
    const kept = error ?? (prev?.at === at ? prev.error : undefined) ?? prev?.error;
    this.#pending.set(key, { row, at, ...(kept === undefined ? {} : { error: kept }) });
  }

  /** Writes the pending snapshots (one transaction); safe to call at any time. */
  flush(): Promise<void> {
    this.#flushing ??= (async () => {
      while (this.#pending.size > 0) {
        const batch = [...this.#pending.values()];
        this.#pending.clear();
        try {
          await this.#repo.recordFires(batch.map((b) => ({ key: b.row, at: new Date(b.at), error: b.error })));
        } catch (err) {
          this.#deps.logger.warn({ err, schedules: batch.length }, "cannot record the schedules' snapshots");
          return;
        }
      }
    })().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #acquire(): Promise<void> {
    if (this.#active < this.options.concurrency) {
      this.#active++;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#active--;
  }

  /** Runs the loop on real timers until stop(): reloads and fires as the injected clock says. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#stopped = false;
    this.#schedule(0);
  }

  #schedule(delayMs: number): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => void this.#loop(), delayMs);
    this.#timer.unref();
  }

  async #loop(): Promise<void> {
    try {
      await this.#reloadIfDue();
    } catch (err) {
      this.#deps.logger.error({ err }, "cannot read the schedules; retrying");
    }
    const started = this.#startDue();
    if (started.length > 0) void Promise.allSettled(started).then(() => this.flush());
    else if (this.#pending.size > 0) void this.flush();
    const now = this.#deps.clock.now().getTime();
    let wake = now + this.options.maxSleepMs;
    for (const e of this.#entries.values()) {
      if (e.busy || e.due === undefined) continue;
      wake = Math.min(wake, Math.max(e.due, e.retryAt));
    }
    this.#schedule(Math.max(1, wake - now));
  }

  /** Stops the loop and waits for the launches in flight. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await Promise.allSettled([...this.#inflight]);
    await this.flush();
  }
}

function isInactiveProject(err: unknown): boolean {
  return err instanceof AloftError && err.details.some((d) => d.schema.typeName === InactiveProjectSchema.typeName);
}
