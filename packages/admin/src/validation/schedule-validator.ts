// Launch plan schedules (upstream flyteadmin/pkg/manager/impl/launch_plan_manager.go, upstream flyteidl/protos/flyteidl/admin/schedule.proto): the checks at CreateLaunchPlan, and the cron grammar upstream accepts —
// robfig/cron v3 `ParseStandard`: five fields (minute hour day-of-month month day-of-week) with `*`, `?`, lists,
// ranges, steps and month/day names, or a descriptor (`@hourly`, `@every 1h30m`), optionally after `TZ=<zone> `.
// The parsed form is exported for the scheduler.
import type { Schedule } from "@aloft/idl/flyteidl/admin/schedule_pb.js";
import { FixedRateUnit } from "@aloft/idl/flyteidl/admin/schedule_pb.js";
import type { ParameterMap } from "@aloft/idl/flyteidl/core/interface_pb.js";
import { SimpleType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { literalTypeText } from "@aloft/core";
import { invalidArgument, invalidValue } from "@aloft/core";

/** A field of a cron spec: the allowed values, and whether it was `*` / `?` (robfig's star bit). */
export interface CronField {
  values: ReadonlySet<number>;
  star: boolean;
}

export type ParsedCron =
  | {
      kind: "fields";
      timeZone?: string;
      minute: CronField;
      hour: CronField;
      dayOfMonth: CronField;
      month: CronField;
      dayOfWeek: CronField;
    }
  | {
      kind: "every";
      timeZone?: string /** Interval in milliseconds, at least one second (robfig rounds). */;
      everyMs: number;
    };

interface Bounds {
  min: number;
  max: number;
  names?: Readonly<Record<string, number>>;
}

const MONTHS = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const MINUTE: Bounds = { min: 0, max: 59 };
const HOUR: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTH: Bounds = { min: 1, max: 12, names: MONTHS };
const DOW: Bounds = { min: 0, max: 6, names: DAYS };

const DESCRIPTORS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** Thrown by parseCron with robfig's message. */
export class CronSyntaxError extends Error {}

/** Parses a cron spec as robfig `ParseStandard` does; throws CronSyntaxError with its message. */
export function parseCron(spec: string): ParsedCron {
  if (spec.length === 0) throw new CronSyntaxError("empty spec string");
  let rest = spec;
  let timeZone: string | undefined;
  if (rest.startsWith("TZ=") || rest.startsWith("CRON_TZ=")) {
    const space = rest.indexOf(" ");
    const eq = rest.indexOf("=");
    const zone = space < 0 ? rest.slice(eq + 1) : rest.slice(eq + 1, space);
    if (space < 0 || !isTimeZone(zone))
      throw new CronSyntaxError(`provided bad location ${zone}: unknown time zone ${zone}`);
    timeZone = zone;
    rest = rest.slice(space).trim();
  }
  if (rest.startsWith("@")) return parseDescriptor(rest, timeZone);
  const fields = rest.split(/\s+/).filter((f) => f !== "");
  if (fields.length !== 5)
    throw new CronSyntaxError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(" ")}]`);
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  return {
    kind: "fields",
    ...(timeZone === undefined ? {} : { timeZone }),
    minute: parseField(minute, MINUTE),
    hour: parseField(hour, HOUR),
    dayOfMonth: parseField(dom, DOM),
    month: parseField(month, MONTH),
    dayOfWeek: parseField(dow, DOW),
  };
}

function parseDescriptor(spec: string, timeZone: string | undefined): ParsedCron {
  const fixed = DESCRIPTORS[spec];
  if (fixed !== undefined) {
    const parsed = parseCron(fixed);
    return timeZone === undefined ? parsed : { ...parsed, timeZone };
  }
  const every = "@every ";
  if (spec.startsWith(every)) {
    const text = spec.slice(every.length);
    let ns: number;
    try {
      ns = parseGoDuration(text);
    } catch (err) {
      throw new CronSyntaxError(`failed to parse duration ${spec}: ${(err as Error).message}`);
    }
    // robfig's Every: below one second becomes one second, otherwise truncated to whole seconds.
    const ms = Math.max(1000, Math.floor(ns / 1e9) * 1000);
    return { kind: "every", ...(timeZone === undefined ? {} : { timeZone }), everyMs: ms };
  }
  throw new CronSyntaxError(`unrecognized descriptor: ${spec}`);
}

function parseField(field: string, bounds: Bounds): CronField {
  const values = new Set<number>();
  let star = false;
  for (const expr of field.split(",")) {
    const r = parseRange(expr, bounds);
    for (let v = r.start; v <= r.end; v += r.step) values.add(v);
    star ||= r.star;
  }
  return { values, star };
}

function parseRange(expr: string, b: Bounds): { start: number; end: number; step: number; star: boolean } {
  const rangeAndStep = expr.split("/");
  const lowAndHigh = (rangeAndStep[0] ?? "").split("-");
  const single = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
    start = b.min;
    end = b.max;
    star = true;
  } else {
    start = intOrName(lowAndHigh[0] ?? "", b);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = intOrName(lowAndHigh[1] ?? "", b);
    else throw new CronSyntaxError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1] ?? "");
    if (single) end = b.max; // "N/step" means "N-max/step"
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new CronSyntaxError(`too many slashes: ${expr}`);
  }
  if (start < b.min) throw new CronSyntaxError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new CronSyntaxError(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new CronSyntaxError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronSyntaxError(`step of range should be a positive number: ${expr}`);
  return { start, end, step, star };
}

function intOrName(expr: string, b: Bounds): number {
  const named = b.names?.[expr.toLowerCase()];
  return named ?? mustParseInt(expr);
}

function mustParseInt(expr: string): number {
  if (!/^[+-]?\d+$/.test(expr))
    throw new CronSyntaxError(
      `failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`,
    );
  const n = Number(expr);
  if (n < 0) throw new CronSyntaxError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function isTimeZone(zone: string): boolean {
  if (zone === "" || zone === "UTC" || zone === "Local") return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const UNIT_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  "\u00b5s": 1e3,
  "\u03bcs": 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go `time.ParseDuration`, in nanoseconds (as a float; exact below 2^53 ns ≈ 104 days). */
export function parseGoDuration(text: string): number {
  const quoted = JSON.stringify(text);
  let s = text;
  let sign = 1;
  if (s.startsWith("-") || s.startsWith("+")) {
    if (s[0] === "-") sign = -1;
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s === "") throw new Error(`time: invalid duration ${quoted}`);
  let total = 0;
  while (s !== "") {
    const num = /^(\d*)(\.(\d*))?/.exec(s);
    if (!num || (num[1] === "" && (num[3] ?? "") === "")) throw new Error(`time: invalid duration ${quoted}`);
    s = s.slice(num[0].length);
    const unit = /^[^\d.]*/.exec(s)?.[0] ?? "";
    if (unit === "") throw new Error(`time: missing unit in duration ${quoted}`);
    const factor = UNIT_NS[unit];
    if (factor === undefined) throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    s = s.slice(unit.length);
    total += Number(`${num[1] || "0"}.${num[3] || "0"}`) * factor;
  }
  return sign * total;
}

/** Upstream `isScheduleEmpty`: no schedule, or an empty cron string, or a zero rate. */
export function isScheduleEmpty(schedule: Schedule | undefined): boolean {
  if (!schedule) return true;
  switch (schedule.ScheduleExpression.case) {
    case "cronSchedule":
      return schedule.ScheduleExpression.value.schedule === "";
    case "cronExpression":
      return schedule.ScheduleExpression.value === "";
    case "rate":
      return schedule.ScheduleExpression.value.value === 0;
    default:
      return true;
  }
}

/** The cron text of a schedule, when it is a cron schedule. */
function cronTextOf(schedule: Schedule | undefined): string | undefined {
  const e = schedule?.ScheduleExpression;
  if (e?.case === "cronSchedule") return e.value.schedule;
  if (e?.case === "cronExpression") return e.value;
  return undefined;
}

/**
 * CreateLaunchPlan's schedule checks against the computed expected inputs: no unbound required input other than
 * the kickoff argument, a kickoff argument that is a free DATETIME input, a valid rate unit, and a cron string
 * that parses.
 */
export function validateSchedule(schedule: Schedule | undefined, expectedInputs: ParameterMap): void {
  const e = schedule?.ScheduleExpression;
  if (!schedule || !e || e.case === undefined || (e.case === "cronExpression" && e.value === "")) return;
  const kickoff = schedule.kickoffTimeInputArg;
  for (const name of Object.keys(expectedInputs.parameters).sort()) {
    const p = expectedInputs.parameters[name];
    if (p?.behavior.case === "required" && p.behavior.value && name !== kickoff) {
      throw invalidArgument(
        "launch_plan.schedule_unbound_input",
        `Cannot create a launch plan with a schedule if there is an unbound required input. [${name}] is required`,
      );
    }
  }
  if (kickoff !== "") {
    const p = expectedInputs.parameters[kickoff];
    if (!p) {
      throw invalidArgument(
        "launch_plan.schedule_kickoff_arg",
        `Cannot create a schedule with a KickoffTimeInputArg that does not point to a free input. [${kickoff}] is not free or does not exist.`,
      );
    }
    const t = p.var?.type;
    if (!(t?.type.case === "simple" && t.type.value === SimpleType.DATETIME)) {
      throw invalidArgument(
        "launch_plan.schedule_kickoff_arg",
        `KickoffTimeInputArg must reference a datetime input. [${kickoff}] is a [${literalTypeText(t)}]`,
      );
    }
  }
  if (e.case === "rate" && FixedRateUnit[e.value.unit] === undefined) throw invalidValue("rate.unit");
  const cron = cronTextOf(schedule);
  if (cron !== undefined && cron !== "") {
    try {
      parseCron(cron);
    } catch (err) {
      if (!(err instanceof CronSyntaxError)) throw err;
      throw invalidArgument("launch_plan.invalid_cron", `Invalid cron expression [${cron}]: ${err.message}`);
    }
  }
}
