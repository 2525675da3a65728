// The executions list's filters (route.ts keeps them in the URL) as admin's `filters` query, and the time range's
// conversions between the URL (RFC 3339, UTC: the same link means the same range in any time zone) and the page's
// datetime-local inputs (the reader's local time). Pure: no DOM.
import type { ExecutionFilters } from "./routes.ts";

/** Characters that delimit admin's filter expressions (`fn(field,value)+…`, `a;b` lists); never sent inside a value. */
const DELIMITERS = /[+;(),]/g;

/** Free text as a filter value: delimiters removed, ends trimmed. */
export function filterValue(text: string): string {
  return text.replace(DELIMITERS, "").trim();
}

/** Admin's filter expression for the list's filters ("" when none). Unparseable times are left out. */
export function executionFilters(f: ExecutionFilters): string {
  const out: string[] = [];
  const phases = phasesOf(f);
  if (phases.length === 1) out.push(`eq(phase,${phases[0]})`);
  else if (phases.length > 1) out.push(`value_in(phase,${phases.join(";")})`);
  const q = filterValue(f.q ?? "");
  if (q) out.push(`contains(execution_name,${q})`);
  const lp = filterValue(f.lp ?? "");
  if (lp) out.push(`eq(launch_plan.name,${lp})`);
  const wf = filterValue(f.wf ?? "");
  if (wf) out.push(`eq(workflow.name,${wf})`);
  const from = utcTime(f.from);
  if (from) out.push(`gte(execution_created_at,${from})`);
  const to = utcTime(f.to);
  if (to) out.push(`lte(execution_created_at,${to})`);
  return out.join("+");
}

/** The phases the list is filtered by: the URL's `phase=A,B` as a list (empty for any phase). */
export function phasesOf(f: ExecutionFilters): string[] {
  return [...new Set((f.phase ?? "").split(",").map(filterValue))].filter((p) => p !== "");
}

/** The URL's `phase` for a set of phases (undefined for none: any phase). */
export function phaseParam(phases: Iterable<string>): string | undefined {
  const list = [...phases];
  return list.length > 0 ? list.join(",") : undefined;
}

function utcTime(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const pad = (n: number) => String(n).padStart(2, "0");

/** A URL time (RFC 3339) as a datetime-local input's value in the local zone ("" when absent or invalid). */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local input's value (local time) as the URL's RFC 3339 UTC time (undefined when empty or invalid). */
export function fromLocalInput(local: string): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Whether any filter besides the sort is set (the list then says "No executions match." rather than "none yet"). */
export function hasFilters(f: ExecutionFilters): boolean {
  return Boolean(f.phase || f.q || f.lp || f.wf || f.from || f.to);
}
