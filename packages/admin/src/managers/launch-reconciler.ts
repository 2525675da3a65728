// Re-drives executions whose launch was interrupted. CreateExecution stores the row (phase UNDEFINED) and then hands
// the execution to the engine; a process killed in between, or a launch that failed to record its outcome, leaves a
// row that nothing would ever move, and a client retrying the create is told ALREADY_EXISTS. At start-up and then
// periodically, rows still UNDEFINED after a grace period are handed to the WorkflowExecutor again (idempotent: the
// engine dedups by execution id) or, when that is impossible, recorded FAILED with the reason. So an acknowledged
// create always runs, and an unacknowledged one never stays a ghost.
import type { Clock } from "@aloft/core";
import type { Logger } from "@aloft/core";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import type { ExecutionRepo, ExecutionRow } from "../repositories/execution-repo.ts";
import { dateToMicros } from "../repositories/timestamps.ts";
import { workflowPhaseName } from "../validation/event-validator.ts";

export interface LaunchReconcilerDeps {
  repo: Pick<ExecutionRepo, "listInPhaseCreatedBefore">;
  resume: (row: ExecutionRow) => Promise<void>;
  clock: Clock;
  logger: Logger;
  /** Rows younger than this are a create still in progress, not an interrupted one (ms). */
  graceMs: number;
  /** Pause between passes (ms); 0 = only the pass at start. */
  intervalMs: number;
  /** Rows per pass. */
  batchSize?: number;
}

const UNDEFINED = workflowPhaseName(WorkflowExecution_Phase.UNDEFINED);

export class LaunchReconciler {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #stopped = false;

  constructor(private readonly deps: LaunchReconcilerDeps) {}

  /** Runs a pass now and then every intervalMs until stop(). */
  start(): void {
    this.#stopped = false;
    const tick = () => {
      void this.runOnce().finally(() => {
        if (!this.#stopped && this.deps.intervalMs > 0) {
          this.#timer = setTimeout(tick, this.deps.intervalMs);
          this.#timer.unref();
        }
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running?.catch(() => undefined);
  }

  /** One pass; returns how many executions it resumed or failed. Never throws (a failed pass is retried next time). */
  runOnce(): Promise<number> {
    this.#running ??= this.#pass().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #pass(): Promise<number> {
    const { deps } = this;
    let handled = 0;
    try {
      const cutoff = dateToMicros(deps.clock.now()) - deps.graceMs * 1000;
      const rows = await deps.repo.listInPhaseCreatedBefore(UNDEFINED, cutoff, deps.batchSize ?? 100);
      for (const row of rows) {
        if (this.#stopped) break;
        try {
          await deps.resume(row);
          handled++;
        } catch (err) {
          deps.logger.warn(
            { err, execution: row.execution_name },
            "could not resume an interrupted launch; will retry",
          );
        }
      }
    } catch (err) {
      deps.logger.warn({ err }, "launch reconciler pass failed; will retry");
    }
    return handled;
  }
}
