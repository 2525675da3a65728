// The execution's timeline (timeline.ts over GetExecutionMetrics): one row per workflow, node and attempt, bars on a
// shared time scale with their operations as segments; a node's row selects the node.
import { isTerminal } from "../phases.ts";
import { position, spanLength, timelineRows } from "../timeline.ts";
import { ErrorBox, Loading, useAsync, useNav } from "./common.tsx";

export function TimelineView(props: {
  project: string;
  domain: string;
  name: string;
  phase: string | undefined;
  /** Changes whenever node phases change, so the timeline follows a running execution. */
  version: string;
  onSelect(nodeId: string): void;
}) {
  const { api } = useNav();
  const metrics = useAsync(
    () => api.metrics(props.project, props.domain, props.name),
    `${props.project}/${props.domain}/${props.name}/${props.version}`,
  );
  if (metrics.error && !metrics.data) return <ErrorBox error={metrics.error} />;
  if (metrics.loading && !metrics.data) return <Loading />;
  const timeline = timelineRows(metrics.data, Date.now());
  if (timeline.rows.length === 0) return <p className="muted">Nothing has run yet.</p>;
  return (
    <ul className="timeline" aria-label="Timeline">
      {timeline.rows.map((r) => {
        const left = position(r.start, timeline);
        const width = Math.max(0.5, position(r.end, timeline) - left);
        const length = spanLength(r.end - r.start);
        return (
          <li key={r.key} className={`timeline-row ${r.kind}`} aria-label={`${r.label}: ${length}`}>
            <span className="timeline-label" style={{ paddingLeft: `${r.depth}em` }}>
              {r.kind === "node" ? (
                <button type="button" className="linklike" onClick={() => props.onSelect(r.nodeId)}>
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
              {!isTerminal(props.phase) && r.kind === "workflow" ? " so far" : ""}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
