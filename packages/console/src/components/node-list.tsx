// The execution's node list, virtualised: only the rows in view are in the DOM, so 5,000 nodes cost what 20 do.
// A row's button selects the node (its details and its URL).
import { useVirtualizer } from "@tanstack/react-virtual";
import { useMemo, useRef } from "react";
import { END, START } from "../dag.ts";
import { childExecutionRoute } from "../execution-links.ts";
import type { NodeExecution } from "../types.ts";
import { formatDuration, Link, PhaseBadge } from "./common.tsx";

const ROW = 36;

export function NodeList(props: { nodes: NodeExecution[]; selected: string | undefined; onSelect(id: string): void }) {
  const shown = useMemo(() => props.nodes.filter((n) => n.id.node_id !== START && n.id.node_id !== END), [props.nodes]);
  const scroller = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 10,
    // Before the scroller is measured (and in a page that never lays out), the first rows still render.
    initialRect: { width: 600, height: 480 },
  });
  if (shown.length === 0) return <p className="muted">No node has run yet.</p>;
  return (
    <>
      <div className="node-head" aria-hidden="true">
        <span>Node</span>
        <span>Phase</span>
        <span>Duration</span>
        <span>Child execution</span>
      </div>
      <div ref={scroller} className="node-scroll">
        <ul aria-label={`Nodes (${shown.length})`} className="node-list" style={{ height: rows.getTotalSize() }}>
          {rows.getVirtualItems().map((v) => {
            const n = shown[v.index]!;
            const id = n.id.node_id;
            return (
              <li
                key={id}
                data-node-row={id}
                className={`node-row${props.selected === id ? " selected" : ""}`}
                style={{ height: ROW, transform: `translateY(${v.start}px)` }}
              >
                <button
                  type="button"
                  className="linklike ellipsis"
                  aria-pressed={props.selected === id}
                  onClick={() => props.onSelect(id)}
                >
                  {id}
                </button>
                <PhaseBadge phase={n.closure?.phase} />
                <span>{formatDuration(n.closure?.duration)}</span>
                <span className="ellipsis">
                  <ChildLink node={n} />
                </span>
              </li>
            );
          })}
        </ul>
      </div>
    </>
  );
}

/** A link to the execution a launch-plan node started (nothing for other nodes). */
export function ChildLink({ node }: { node: NodeExecution }) {
  const child = childExecutionRoute(node);
  if (!child) return null;
  return (
    <Link to={child} label={`Child execution ${child.name} of node ${node.id.node_id}`}>
      {child.name}
    </Link>
  );
}
