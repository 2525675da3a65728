// What a round changed, decided without rendering the status: the top-level fields and the node statuses the round
// replaced (node statuses are copied on write, so the others are the same objects) are compared as plain data.
import type { WorkflowStatus } from "../executor/status.ts";

/** Nothing changed; only plugin state changed (a task still running: saved, but no progress); or progress. */
export type RoundChange = "same" | "state" | "progressed";

const SAME = 0;
const STATE = 1;
const PROGRESS = 2;
type Level = typeof SAME | typeof STATE | typeof PROGRESS;

export function compareRound(before: WorkflowStatus, after: WorkflowStatus, changed: readonly string[]): RoundChange {
  let level = compareObjects(before, after, false, TOP_LEVEL_SKIPPED);
  for (const id of changed) {
    if (level === PROGRESS) break;
    level = Math.max(level, compareData(before.nodes[id], after.nodes[id], false)) as Level;
  }
  return level === SAME ? "same" : level === STATE ? "state" : "progressed";
}

/** Compared elsewhere (nodes) or not a change (the save's own time stamp). */
const TOP_LEVEL_SKIPPED: ReadonlySet<string> = new Set(["nodes", "lastUpdatedAt"]);
const NOTHING_SKIPPED: ReadonlySet<string> = new Set();

/** Plugin state (`state`, and an array node's `stateRev`): a change there alone is not progress. */
const isStateKey = (k: string) => k === "state" || k === "stateRev";

/**
 * Compares two values as their JSON would compare (keys with undefined values are absent), but in any key order: an
 * array node's sub-nodes (`children`) stand in by its change counters (`array.rev`, `array.stateRev`).
 */
function compareData(a: unknown, b: unknown, inState: boolean): Level {
  if (a === b) return SAME;
  const differs = inState ? STATE : PROGRESS;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return Number.isNaN(a) && Number.isNaN(b) ? SAME : differs;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return differs;
    let level: Level = SAME;
    for (let i = 0; i < a.length && level !== PROGRESS; i++) {
      level = Math.max(level, compareData(a[i], b[i], inState)) as Level;
    }
    return level;
  }
  return compareObjects(a as Record<string, unknown>, b as Record<string, unknown>, inState, NOTHING_SKIPPED);
}

function compareObjects(a: object, b: object, inState: boolean, skipped: ReadonlySet<string>): Level {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const counted = (o: Record<string, unknown>, k: string) =>
    o[k] !== undefined && !skipped.has(k) && !(k === "children" && o["array"]);
  let level = SAME as Level;
  for (const k of Object.keys(x)) {
    if (!counted(x, k)) continue;
    const sub = inState || isStateKey(k);
    const l = counted(y, k) ? compareData(x[k], y[k], sub) : sub ? STATE : PROGRESS;
    if (l > level) level = l;
    if (level === PROGRESS) return level;
  }
  for (const k of Object.keys(y)) {
    if (!counted(y, k) || counted(x, k)) continue;
    if (!(inState || isStateKey(k))) return PROGRESS;
    level = STATE;
  }
  return level;
}
