// The execution graph: the DAG of dag.ts laid out by elkjs (loaded on first use, so pages without a graph never pay
// for it) and drawn as SVG. Nodes are coloured by phase, focusable and selectable with Enter or Space.
import { type KeyboardEvent, useEffect, useState } from "react";
import { type Dag, elkInput } from "../dag.ts";
import { phaseTone } from "../phases.ts";

interface Placed {
  nodes: Map<string, { x: number; y: number; width: number; height: number }>;
  edges: { id: string; points: { x: number; y: number }[] }[];
  width: number;
  height: number;
}

interface ElkSection {
  startPoint: { x: number; y: number };
  endPoint: { x: number; y: number };
  bendPoints?: { x: number; y: number }[];
}

interface ElkResult {
  width?: number;
  height?: number;
  children?: { id: string; x?: number; y?: number; width?: number; height?: number }[];
  edges?: { id: string; sections?: ElkSection[] }[];
}

async function layout(dag: Dag): Promise<Placed> {
  const { default: ELK } = await import("elkjs/lib/elk.bundled.js");
  const out = (await new ELK().layout(elkInput(dag))) as ElkResult;
  const nodes = new Map(
    (out.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 }]),
  );
  const edges = (out.edges ?? []).map((e) => ({
    id: e.id,
    points: (e.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]),
  }));
  return { nodes, edges, width: out.width ?? 0, height: out.height ?? 0 };
}

/** The structure of the graph, without phases: a new layout only when nodes or edges change. */
function shapeKey(dag: Dag): string {
  return `${dag.nodes.map((n) => n.id).join(",")}|${dag.edges.map((e) => `${e.from}>${e.to}`).join(",")}`;
}

export function DagView(props: { dag: Dag; selected: string | undefined; onSelect(id: string): void }) {
  const { dag } = props;
  const [placed, setPlaced] = useState<Placed>();
  const [failure, setFailure] = useState<string>();
  const key = shapeKey(dag);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the layout depends on the graph's shape only (key)
  useEffect(() => {
    let live = true;
    layout(dag).then(
      (p) => live && setPlaced(p),
      (err: unknown) => live && setFailure(String(err)),
    );
    return () => {
      live = false;
    };
  }, [key]);
  if (failure) return <p className="error">The graph could not be laid out: {failure}</p>;
  if (!placed) return <p className="muted">Laying out the graph…</p>;
  const pad = 8;
  const onKey = (id: string) => (ev: KeyboardEvent<SVGGElement>) => {
    if (ev.key === "Enter" || ev.key === " ") {
      ev.preventDefault();
      props.onSelect(id);
    }
  };
  return (
    <div className="dag-scroll">
      <svg className="dag" width={placed.width + 2 * pad} height={placed.height + 2 * pad} aria-labelledby="dag-title">
        <title id="dag-title">Execution graph</title>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto">
            <path d="M0,0 L10,5 L0,10 z" className="arrowhead" />
          </marker>
        </defs>
        <g transform={`translate(${pad},${pad})`}>
          {placed.edges.map((e) => (
            <polyline
              key={e.id}
              className="edge"
              points={e.points.map((p) => `${p.x},${p.y}`).join(" ")}
              markerEnd="url(#arrow)"
            />
          ))}
          {dag.nodes.map((n) => {
            const box = placed.nodes.get(n.id);
            if (!box) return null;
            const phase = n.phase === "UNDEFINED" ? "not started" : n.phase.toLowerCase();
            return (
              // biome-ignore lint/a11y/useSemanticElements: an SVG group cannot be a <button>; it has the role and keys
              <g
                key={n.id}
                role="button"
                tabIndex={0}
                aria-label={`${n.label}: ${phase}`}
                aria-pressed={props.selected === n.id}
                data-node-id={n.id}
                data-phase={n.phase}
                className={`dag-node tone-${phaseTone(n.phase)}${props.selected === n.id ? " selected" : ""}`}
                transform={`translate(${box.x},${box.y})`}
                onClick={() => props.onSelect(n.id)}
                onKeyDown={onKey(n.id)}
              >
                <rect width={box.width} height={box.height} rx={n.kind === "start" || n.kind === "end" ? 22 : 6} />
                <text x={box.width / 2} y={n.target ? 18 : box.height / 2 + 4} textAnchor="middle" className="label">
                  {clip(n.label, 20)}
                </text>
                {n.target && (
                  <text x={box.width / 2} y={34} textAnchor="middle" className="sub">
                    {clip(n.target, 24)}
                  </text>
                )}
              </g>
            );
          })}
        </g>
      </svg>
    </div>
  );
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
