// The execution timeline from GetExecutionMetrics: the span tree flattened into rows — the workflow, each node and
// each task attempt — whose operation spans (setup, runtime, teardown, idle…) become coloured segments of the row's
// bar, all on one time scale. Pure: no DOM.
import type { Span } from "./types.ts";

export interface Segment {
  operation: string;
  start: number;
  end: number;
}

export interface TimelineRow {
  key: string;
  label: string;
  kind: "workflow" | "node" | "attempt";
  depth: number;
  /** The node a row belongs to (for selecting it), "" for the workflow. */
  nodeId: string;
  start: number;
  end: number;
  segments: Segment[];
}

export interface Timeline {
  rows: TimelineRow[];
  start: number;
  end: number;
}

const ms = (s: string | null | undefined): number | undefined => {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) || t <= 0 ? undefined : t;
};

/** The rows of a span tree; spans without times are left out. `now` ends spans that are still open. */
export function timelineRows(root: Span | null | undefined, now: number): Timeline {
  const rows: TimelineRow[] = [];
  const walk = (span: Span, depth: number, parentNode: string, path: string) => {
    const start = ms(span.start_time);
    if (start === undefined) return;
    const end = Math.max(start, ms(span.end_time) ?? now);
    let row: TimelineRow | undefined;
    if (span.workflow_id) {
      row = {
        key: `${path}w`,
        label: span.workflow_id.name,
        kind: "workflow",
        depth,
        nodeId: "",
        start,
        end,
        segments: [],
      };
    } else if (span.node_id) {
      const id = span.node_id.node_id;
      row = { key: `${path}n:${id}`, label: id, kind: "node", depth, nodeId: id, start, end, segments: [] };
    } else if (span.task_id) {
      const attempt = (span.task_id.retry_attempt ?? 0) + 1;
      const nodeId = span.task_id.node_execution_id?.node_id ?? parentNode;
      row = {
        key: `${path}t:${nodeId}:${attempt}`,
        label: `attempt ${attempt}`,
        kind: "attempt",
        depth,
        nodeId,
        start,
        end,
        segments: [],
      };
    }
    if (!row) return;
    rows.push(row);
    for (const child of span.spans ?? []) {
      if (child.operation_id) {
        const s = ms(child.start_time);
        if (s !== undefined)
          row.segments.push({ operation: child.operation_id, start: s, end: Math.max(s, ms(child.end_time) ?? now) });
      } else walk(child, depth + 1, row.nodeId, `${row.key}/`);
    }
  };
  if (root) walk(root, 0, "", "");
  if (rows.length === 0) return { rows, start: 0, end: 0 };
  // A loop, not Math.min(...): thousands of rows would be as many arguments.
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    if (r.start < start) start = r.start;
    if (r.end > end) end = r.end;
  }
  return { rows, start, end };
}

/**
 * The row a key moves the keyboard focus to, among the node rows (the ones with a button): ArrowDown/ArrowUp the
 * next/previous node row, Home/End the first/last, PageDown/PageUp `page` rows on. `from` is the focused row's index;
 * undefined when the key does not move, or there is no node row that way.
 */
export function nextNodeRow(rows: readonly TimelineRow[], from: number, key: string, page = 10): number | undefined {
  const isNode = (i: number) => rows[i]?.kind === "node";
  const scan = (i: number, step: 1 | -1): number | undefined => {
    for (let j = i; j >= 0 && j < rows.length; j += step) if (isNode(j)) return j;
    return undefined;
  };
  let found: number | undefined;
  if (key === "ArrowDown") found = scan(from + 1, 1);
  else if (key === "ArrowUp") found = scan(from - 1, -1);
  else if (key === "Home") found = scan(0, 1);
  else if (key === "End") found = scan(rows.length - 1, -1);
  else if (key === "PageDown") found = scan(Math.min(rows.length - 1, from + page), 1) ?? scan(rows.length - 1, -1);
  else if (key === "PageUp") found = scan(Math.max(0, from - page), -1) ?? scan(0, 1);
  return found === from ? undefined : found;
}

/** How often an open timeline asks for GetExecutionMetrics again while the execution runs. */
export const TIMELINE_REFRESH_MS = 5000;

/** Where a time falls on the timeline, in percent of its width (0 to 100). */
export function position(t: number, timeline: Timeline): number {
  const width = timeline.end - timeline.start;
  if (width <= 0) return 0;
  return Math.min(100, Math.max(0, ((t - timeline.start) / width) * 100));
}

/** A span's length for people: "850 ms", "12.3 s", "4 min 5 s". */
export function spanLength(msLength: number): string {
  if (msLength < 1000) return `${Math.round(msLength)} ms`;
  const s = msLength / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
