// The execution graph: the DAG of dag.ts laid out by elkjs in a Web Worker (loaded on first use, so pages without a
// graph never pay for it, and a big layout never blocks the page) and drawn as SVG. Nodes are coloured by phase,
// focusable and selectable with Enter or Space. A graph of more than LARGE_GRAPH nodes is drawn only when asked: until
// then its nodes are counted by phase (the node list shows them one by one).
import { type KeyboardEvent, useEffect, useMemo, useState } from "react";
import { allNodes, countsLabel, type Dag, type DagNode, elkInput, phaseCounts } from "../dag.ts";
import { phaseTone } from "../phases.ts";

/** Above this many nodes, laying out and drawing takes seconds: the graph waits for a click. */
export const LARGE_GRAPH = 500;

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
  id?: string;
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  children?: ElkResult[];
  edges?: { id: string; sections?: ElkSection[] }[];
}

async function layout(dag: Dag): Promise<Placed> {
  const [{ default: ELK }, { default: workerUrl }] = await Promise.all([
    import("elkjs/lib/elk-api.js"),
    import("elkjs/lib/elk-worker.min.js?url"),
  ]);
  const elk = new ELK({ workerUrl });
  let out: ElkResult;
  try {
    out = (await elk.layout(elkInput(dag) as Parameters<InstanceType<typeof ELK>["layout"]>[0])) as ElkResult;
  } finally {
    elk.terminateWorker();
  }
  const nodes: Placed["nodes"] = new Map();
  const edges: Placed["edges"] = [];
  // ELK places children relative to their parent and an expanded node's edges relative to it: made absolute here.
  const walk = (graph: ElkResult, dx: number, dy: number) => {
    for (const e of graph.edges ?? [])
      edges.push({
        id: e.id,
        points: (e.sections ?? [])
          .flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint])
          .map((p) => ({ x: p.x + dx, y: p.y + dy })),
      });
    for (const c of graph.children ?? []) {
      const x = (c.x ?? 0) + dx;
      const y = (c.y ?? 0) + dy;
      nodes.set(c.id ?? "", { x, y, width: c.width ?? 0, height: c.height ?? 0 });
      walk(c, x, y);
    }
  };
  walk(out, 0, 0);
  return { nodes, edges, width: out.width ?? 0, height: out.height ?? 0 };
}

/** The structure of the graph, without phases: a new layout only when nodes or edges change. */
function shapeKey(dag: Dag): string {
  const nodes = allNodes(dag);
  const edges = [dag.edges, ...nodes.map((n) => n.children?.edges ?? [])].flat();
  return `${nodes.map((n) => n.id).join(",")}|${edges.map((e) => `${e.from}>${e.to}`).join(",")}`;
}

export function DagView(props: { dag: Dag; selected: string | undefined; onSelect(id: string): void }) {
  const every = useMemo(() => allNodes(props.dag), [props.dag]);
  const [draw, setDraw] = useState(false);
  if (every.length > LARGE_GRAPH && !draw) {
    const counts = phaseCounts(every.map((n) => ({ phase: n.phase })));
    return (
      <p className="graph-summary">
        <span>
          {every.length.toLocaleString()} nodes: {countsLabel(counts)}.
        </span>
        <button
          type="button"
          onClick={() => setDraw(true)}
          title="Laying out this many nodes takes a while; the page stays usable meanwhile"
        >
          Draw the graph
        </button>
      </p>
    );
  }
  return <DagDrawing {...props} />;
}

function DagDrawing(props: { dag: Dag; selected: string | undefined; onSelect(id: string): void }) {
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
  // Inner nodes are selected by their execution's id; one that has not run yet is not selectable.
  const select = (n: DagNode) => n.execId !== "" && props.onSelect(n.execId);
  const selected = (n: DagNode) => n.execId !== "" && props.selected === n.execId;
  const onKey = (n: DagNode) => (ev: KeyboardEvent<SVGGElement>) => {
    if (ev.key === "Enter" || ev.key === " ") {
      ev.preventDefault();
      ev.stopPropagation();
      select(n);
    }
  };
  // Parents before children, so an expanded node's inside is drawn over its box; edges over the boxes.
  const nodes = allNodes(dag);
  const draw = (n: DagNode) => {
    const box = placed.nodes.get(n.id);
    if (!box) return null;
    const phase = n.phase === "UNDEFINED" ? "not started" : n.phase.toLowerCase();
    const group = n.children !== undefined;
    const sub = n.counts ? countsLabel(n.counts) : n.target;
    const hint = n.expandable ? (group ? ", expanded" : ", can be expanded") : "";
    return (
      // biome-ignore lint/a11y/useSemanticElements: an SVG group cannot be a <button>; it has the role and keys
      <g
        key={n.id}
        role="button"
        tabIndex={0}
        aria-label={`${n.label}: ${phase}${sub ? ` (${sub})` : ""}${hint}`}
        aria-pressed={selected(n)}
        data-node-id={n.id}
        data-phase={n.phase}
        className={`dag-node tone-${phaseTone(n.phase)}${group ? " group" : ""}${selected(n) ? " selected" : ""}`}
        transform={`translate(${box.x},${box.y})`}
        onClick={(ev) => {
          ev.stopPropagation();
          select(n);
        }}
        onKeyDown={onKey(n)}
      >
        <rect width={box.width} height={box.height} rx={n.kind === "start" || n.kind === "end" ? 22 : 6} />
        {group ? (
          <text x={10} y={20} className="label">
            {clip(n.label, 40)} {n.target && <tspan className="sub">{clip(n.target, 30)}</tspan>}
          </text>
        ) : (
          <>
            <text x={box.width / 2} y={sub ? 18 : box.height / 2 + 4} textAnchor="middle" className="label">
              {clip(n.label, 20)}
              {n.expandable ? " ▸" : ""}
            </text>
            {sub && (
              <text x={box.width / 2} y={34} textAnchor="middle" className="sub">
                {clip(sub, 26)}
              </text>
            )}
          </>
        )}
      </g>
    );
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
          {nodes.filter((n) => n.children).map(draw)}
          {placed.edges.map((e) => (
            <polyline
              key={e.id}
              className="edge"
              points={e.points.map((p) => `${p.x},${p.y}`).join(" ")}
              markerEnd="url(#arrow)"
            />
          ))}
          {nodes.filter((n) => !n.children).map(draw)}
        </g>
      </svg>
    </div>
  );
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
