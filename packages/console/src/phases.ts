// Execution and node phases: which colour family each belongs to, and whether it can still change.

export type PhaseTone = "ok" | "running" | "failed" | "waiting" | "aborted" | "skipped" | "idle";

const TONES: Record<string, PhaseTone> = {
  SUCCEEDED: "ok",
  RECOVERED: "ok",
  RUNNING: "running",
  DYNAMIC_RUNNING: "running",
  SUCCEEDING: "running",
  FAILING: "failed",
  FAILED: "failed",
  TIMED_OUT: "failed",
  QUEUED: "waiting",
  ABORTING: "aborted",
  ABORTED: "aborted",
  SKIPPED: "skipped",
};

export function phaseTone(phase: string | undefined): PhaseTone {
  return TONES[phase ?? ""] ?? "idle";
}

const TERMINAL = new Set(["SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT", "RECOVERED", "SKIPPED"]);

export function isTerminal(phase: string | undefined): boolean {
  return TERMINAL.has(phase ?? "");
}

/** The phases an execution list can be filtered by. */
export const EXECUTION_PHASES = [
  "QUEUED",
  "RUNNING",
  "SUCCEEDING",
  "SUCCEEDED",
  "FAILING",
  "FAILED",
  "ABORTING",
  "ABORTED",
  "TIMED_OUT",
] as const;
