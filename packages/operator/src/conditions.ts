// The status conditions Ready, Progressing and Degraded (metav1.Condition's shape): lastTransitionTime changes only
// when a condition's status does, so a status write happens only when something a reader cares about changed.
import type { Condition, TrackingServerStatus } from "./types.ts";

export type ConditionInput = Pick<Condition, "status" | "reason" | "message">;

export interface DesiredStatus {
  ready: ConditionInput;
  progressing: ConditionInput;
  degraded: ConditionInput;
  url: string | undefined;
}

export function nextStatus(
  prev: TrackingServerStatus | undefined,
  want: DesiredStatus,
  generation: number,
  now: Date,
): TrackingServerStatus {
  const at = now.toISOString().replace(/\.\d+Z$/, "Z");
  const old = new Map((prev?.conditions ?? []).map((c) => [c.type, c]));
  const make = (type: Condition["type"], c: ConditionInput): Condition => {
    const before = old.get(type);
    return {
      type,
      status: c.status,
      reason: c.reason,
      message: c.message,
      lastTransitionTime: before && before.status === c.status ? before.lastTransitionTime : at,
      observedGeneration: generation,
    };
  };
  const status: TrackingServerStatus = {
    observedGeneration: generation,
    conditions: [make("Ready", want.ready), make("Progressing", want.progressing), make("Degraded", want.degraded)],
  };
  if (want.url !== undefined) status.url = want.url;
  return status;
}

export function condition(status: TrackingServerStatus | undefined, type: Condition["type"]): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** Deep equality of two JSON values (key order ignored). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => sameJson(x, bb[i]));
  }
  const ak = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const bk = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return (
    ak.length === bk.length &&
    ak.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}
