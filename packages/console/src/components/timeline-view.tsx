// The execution's timeline (timeline.ts over GetExecutionMetrics): one row per workflow, node and attempt, bars on a
// shared time scale with their operations as segments; a node's row selects the node. Virtualised like the node list
// (only the rows in view are in the DOM: 5,000 nodes cost what 20 do). The metrics are asked for once when the timeline
// opens, then every TIMELINE_REFRESH_MS while the execution runs — not on every change of a node's phase. Keyboard:
// Tab reaches the node rows' buttons; ArrowUp/ArrowDown, PageUp/PageDown, Home/End move between node rows.
import { useVirtualizer } from "@tanstack/react-virtual";
import { type KeyboardEvent, useEffect, useMemo, useRef } from "react";
import { isTerminal } from "../phases.ts";
import { nextNodeRow, position, spanLength, TIMELINE_REFRESH_MS, type Timeline, timelineRows } from "../timeline.ts";
import { ErrorBox, Loading, useAsync, useNav } from "./common.tsx";

const ROW = 24;

export function TimelineView(props: {
  project: string;
  domain: string;
  name: string;
  phase: string | undefined;
  onSelect(nodeId: string): void;
}) {
  const { api } = useNav();
  const metrics = useAsync(
    () => api.metrics(props.project, props.domain, props.name),
    `${props.project}/${props.domain}/${props.name}`,
  );
  const running = !isTerminal(props.phase);
  const { loading, reload } = metrics;
  // While the execution runs: the next read a while after the previous one answered (never two at once). Once it is
  // finished, one last read (the phase changed) and no more.
  useEffect(() => {
    if (!running || loading) return;
    const timer = window.setTimeout(reload, TIMELINE_REFRESH_MS);
    return () => window.clearTimeout(timer);
  }, [running, loading, reload]);
  const finished = !running;
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else if (finished) reload();
  }, [finished, reload]);
  const timeline = useMemo(() => timelineRows(metrics.data, Date.now()), [metrics.data]);
  if (metrics.error && !metrics.data) return <ErrorBox error={metrics.error} />;
  if (metrics.loading && !metrics.data) return <Loading />;
  if (timeline.rows.length === 0) return <p className="muted">Nothing has run yet.</p>;
  return <TimelineRows timeline={timeline} running={running} onSelect={props.onSelect} />;
}

function TimelineRows({
  timeline,
  running,
  onSelect,
}: {
  timeline: Timeline;
  running: boolean;
  onSelect(nodeId: string): void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({
    count: timeline.rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 10,
    initialRect: { width: 800, height: 400 },
  });
  /** A row to focus once it is rendered (a key moved to a row outside the rendered ones). */
  const pending = useRef<number | undefined>(undefined);
  const focusRow = (index: number) => {
    const button = scroller.current?.querySelector<HTMLButtonElement>(`[data-index="${index}"] button`);
    if (button) {
      button.focus();
      pending.current = undefined;
      return true;
    }
    return false;
  };
  useEffect(() => {
    if (pending.current !== undefined) focusRow(pending.current);
  });
  const onKeyDown = (ev: KeyboardEvent<HTMLUListElement>) => {
    const row = (ev.target as HTMLElement).closest<HTMLElement>("[data-index]");
    if (!row) return;
    const to = nextNodeRow(timeline.rows, Number(row.dataset.index), ev.key);
    if (to === undefined) return;
    ev.preventDefault();
    rows.scrollToIndex(to, { align: "auto" });
    if (!focusRow(to)) pending.current = to;
  };
  const n = timeline.rows.length;
  return (
    <div ref={scroller} className="timeline-scroll">
      <ul
        className="timeline"
        aria-label={`Timeline (${n} rows)`}
        style={{ height: rows.getTotalSize() }}
        onKeyDown={onKeyDown}
      >
        {rows.getVirtualItems().map((v) => {
          const r = timeline.rows[v.index]!;
          const left = position(r.start, timeline);
          const width = Math.max(0.5, position(r.end, timeline) - left);
          const length = spanLength(r.end - r.start);
          return (
            <li
              key={r.key}
              data-index={v.index}
              className={`timeline-row ${r.kind}`}
              aria-label={`${r.label}: ${length}`}
              aria-setsize={n}
              aria-posinset={v.index + 1}
              style={{ height: ROW, transform: `translateY(${v.start}px)` }}
            >
              <span className="timeline-label" style={{ paddingLeft: `${r.depth}em` }}>
                {r.kind === "node" ? (
                  <button type="button" className="linklike" onClick={() => onSelect(r.nodeId)}>
                    {r.label}
                  </button>
                ) : (
                  r.label
                )}
              </span>
              <span className="timeline-track" aria-hidden="true">
                <span
                  className="timeline-bar"
                  style={{ left: `${left}%`, width: `${width}%` }}
                  title={`${r.label}: ${length}`}
                >
                  {r.segments.map((s) => (
                    <span
                      key={`${s.operation}-${s.start}`}
                      className={`segment op-${s.operation.toLowerCase()}`}
                      style={{
                        left: `${((s.start - r.start) / Math.max(1, r.end - r.start)) * 100}%`,
                        width: `${((s.end - s.start) / Math.max(1, r.end - r.start)) * 100}%`,
                      }}
                      title={`${s.operation.toLowerCase().replace("_", " ")}: ${spanLength(s.end - s.start)}`}
                    />
                  ))}
                </span>
              </span>
              <span className="timeline-length">
                {length}
                {running && r.kind === "workflow" ? " so far" : ""}
              </span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
