// One execution: phase, inputs and outputs, the gates waiting for input, the DAG coloured by node phase, the timeline,
// the node list, a node's detail (?node=…) with its attempts and logs; terminate, relaunch and recover. Polls while the
// execution is not finished.
import { useEffect, useState } from "react";
import type { ApiError } from "../api.ts";
import {
  asApiError,
  ErrorBox,
  formatDuration,
  formatTime,
  Link,
  Loading,
  PhaseBadge,
  useAsync,
  useNav,
} from "../components/common.tsx";
import { Attempts } from "../components/attempts.tsx";
import { DagView } from "../components/dag-view.tsx";
import { DataTable } from "../components/data-table.tsx";
import { Signals } from "../components/signals.tsx";
import { TimelineView } from "../components/timeline-view.tsx";
import { LiteralMapView } from "../components/literal-view.tsx";
import { allNodes, buildDag, END, phaseCounts, START } from "../dag.ts";
import { childExecutionRoute, parentExecutionRoute } from "../execution-links.ts";
import { isTerminal } from "../phases.ts";
import type { Route } from "../routes.ts";
import type { Execution, NodeExecution, Signal, Workflow } from "../types.ts";

interface Snapshot {
  execution: Execution;
  nodes: NodeExecution[];
  signals: Signal[];
  workflow: Workflow | undefined;
  /** Children of the expanded nodes, by their parent's execution id. */
  children: Map<string, NodeExecution[]>;
  /** Array nodes' sub-nodes by phase, by the array node's execution id. */
  counts: Map<string, [string, number][]>;
}

export function ExecutionPage({ route }: { route: Extract<Route, { page: "execution" }> }) {
  const { api, navigate } = useNav();
  const { project, domain, name } = route;
  const [workflow, setWorkflow] = useState<Workflow>();
  // Expanded nodes are in the URL (`?expand=a,b`): a link shows the graph as it was shared.
  const expanded: ReadonlySet<string> = new Set(route.expand ?? []);
  const snap = useAsync<Snapshot>(
    async () => {
      const [execution, nodes, signals] = await Promise.all([
        api.execution(project, domain, name),
        api.nodeExecutions(project, domain, name),
        api.signals(project, domain, name),
      ]);
      let wf = workflow;
      const wfId = execution.closure?.workflow_id;
      if (!wf && wfId) {
        wf = await api.workflow(wfId);
        setWorkflow(wf);
      }
      const children = new Map(
        await Promise.all(
          [...expanded].map(async (id) => [id, await api.nodeExecutions(project, domain, name, id)] as const),
        ),
      );
      // Array nodes that ran (top level and inside expanded nodes): their latest attempt's sub-nodes by phase.
      const arrays = [...nodes, ...[...children.values()].flat()].filter((ne) => isArrayNode(wf, ne));
      const counts = new Map(
        await Promise.all(
          arrays.map(async (ne) => {
            const attempts = await api.taskExecutions(project, domain, name, ne.id.node_id);
            const latest = attempts.at(-1)?.closure?.metadata?.external_resources ?? [];
            return [ne.id.node_id, phaseCounts(latest)] as const;
          }),
        ),
      );
      return { execution, nodes, signals, workflow: wf, children, counts };
    },
    `${project}/${domain}/${name}/${[...expanded].join()}`,
  );
  const phase = snap.data?.execution.closure?.phase;
  const done = isTerminal(phase);
  const { reload } = snap;
  useEffect(() => {
    if (done || !snap.data) return;
    const timer = window.setTimeout(reload, 1500);
    return () => window.clearTimeout(timer);
  }, [done, snap.data, reload]);

  const [actionError, setActionError] = useState<ApiError>();
  const [showTimeline, setShowTimeline] = useState(false);
  const terminate = async () => {
    if (!window.confirm(`Terminate ${name}?`)) return;
    try {
      await api.terminate(project, domain, name, "terminated from the console");
      reload();
    } catch (err) {
      setActionError(asApiError(err));
    }
  };
  const rerun = (how: "relaunch" | "recover") => async () => {
    try {
      const r = await api[how](project, domain, name);
      navigate({ page: "execution", project, domain, name: r.id?.name ?? "" });
    } catch (err) {
      setActionError(asApiError(err));
    }
  };

  if (snap.error && !snap.data) return <ErrorBox error={snap.error} />;
  if (!snap.data) return <Loading />;
  const { execution, nodes } = snap.data;
  const c = execution.closure;
  const compiled = snap.data.workflow?.closure?.compiled_workflow;
  const dag = buildDag(compiled?.primary, nodes, {
    expanded,
    children: snap.data.children,
    subWorkflows: compiled?.sub_workflows ?? [],
    counts: snap.data.counts,
  });
  const everyNode = [...nodes, ...[...snap.data.children.values()].flat()];
  const selectedDagNode = allNodes(dag).find((n) => n.execId !== "" && n.execId === route.node);
  const toggleExpanded = (id: string) => {
    const next = new Set(expanded);
    if (!next.delete(id)) next.add(id);
    navigate({ ...route, expand: next.size > 0 ? [...next] : undefined } as Route);
  };
  const lp = execution.spec?.launch_plan;
  const parent = parentExecutionRoute(execution);
  const select = (node: string) => navigate({ ...route, node: node === route.node ? undefined : node } as Route);

  return (
    <section>
      <h1>
        Execution {name} <PhaseBadge phase={phase} />
      </h1>
      {snap.error && <ErrorBox error={snap.error} />}
      <p className="muted">
        {lp && (
          <>
            Launch plan{" "}
            <Link
              to={{
                page: "version",
                kind: "launch_plans",
                project: lp.project,
                domain: lp.domain,
                name: lp.name,
                version: lp.version ?? "",
              }}
            >
              {lp.name} @ {lp.version}
            </Link>{" "}
            ·{" "}
          </>
        )}
        {parent && (
          <>
            launched by node {parent.node} of <Link to={parent}>{parent.name}</Link> ·{" "}
          </>
        )}
        started {formatTime(c?.started_at ?? c?.created_at)}
        {c?.duration ? ` · took ${formatDuration(c.duration)}` : ""}
      </p>
      <div className="actions">
        <button type="button" onClick={terminate} disabled={done || phase === "ABORTING"}>
          Terminate
        </button>
        <button type="button" onClick={rerun("relaunch")}>
          Relaunch
        </button>
        <button
          type="button"
          onClick={rerun("recover")}
          disabled={phase !== "FAILED"}
          title="Run the failed execution again, reusing the outputs of the nodes that succeeded"
        >
          Recover
        </button>
      </div>
      {actionError && <ErrorBox error={actionError} />}
      {c?.error && (
        <div className="error" role="alert">
          <strong>{c.error.code}</strong>
          <pre>{c.error.message}</pre>
        </div>
      )}
      {c?.abort_metadata && (
        <p className="muted">
          Terminated: {c.abort_metadata.cause} {c.abort_metadata.principal && `(by ${c.abort_metadata.principal})`}
        </p>
      )}
      <Signals
        project={project}
        domain={domain}
        name={name}
        signals={snap.data.signals}
        finished={done}
        changed={reload}
      />
      <h2>Graph</h2>
      {dag.nodes.length > 0 ? (
        <DagView dag={dag} selected={route.node} onSelect={select} />
      ) : (
        <p className="muted">No graph for this execution.</p>
      )}
      <details open={showTimeline} onToggle={(ev) => setShowTimeline(ev.currentTarget.open)}>
        <summary className="timeline-summary">
          <h2>Timeline</h2>
        </summary>
        {showTimeline && (
          <TimelineView
            project={project}
            domain={domain}
            name={name}
            phase={phase}
            version={`${phase}|${nodes.map((n) => n.closure?.phase).join()}`}
            onSelect={select}
          />
        )}
      </details>
      <div className="split">
        <div>
          <h2>Nodes</h2>
          <NodeList nodes={nodes} selected={route.node} onSelect={select} />
        </div>
        <div>
          {route.node ? (
            <NodeDetail
              key={route.node}
              route={route}
              node={everyNode.find((n) => n.id.node_id === route.node)}
              expandable={selectedDagNode?.expandable === true}
              expanded={expanded.has(route.node)}
              toggle={() => toggleExpanded(route.node ?? "")}
            />
          ) : (
            <ExecutionIo route={route} finished={done} />
          )}
        </div>
      </div>
    </section>
  );
}

function NodeList(props: { nodes: NodeExecution[]; selected: string | undefined; onSelect(id: string): void }) {
  const shown = props.nodes.filter((n) => n.id.node_id !== START && n.id.node_id !== END);
  if (shown.length === 0) return <p className="muted">No node has run yet.</p>;
  return (
    <DataTable
      rows={shown}
      rowKey={(n) => n.id.node_id}
      selected={(n) => props.selected === n.id.node_id}
      columns={[
        {
          header: "Node",
          cell: (n) => (
            <button
              type="button"
              className="linklike"
              aria-pressed={props.selected === n.id.node_id}
              onClick={() => props.onSelect(n.id.node_id)}
            >
              {n.id.node_id}
            </button>
          ),
        },
        { header: "Phase", cell: (n) => <PhaseBadge phase={n.closure?.phase} /> },
        { header: "Duration", cell: (n) => formatDuration(n.closure?.duration) },
        { header: "Child execution", cell: (n) => <ChildLink node={n} /> },
      ]}
    />
  );
}

function ExecutionIo({ route, finished }: { route: Extract<Route, { page: "execution" }>; finished: boolean }) {
  const { api } = useNav();
  const data = useAsync(
    () => api.executionData(route.project, route.domain, route.name),
    `${route.project}/${route.domain}/${route.name}/${finished}`,
  );
  return (
    <>
      <h2>Inputs</h2>
      {data.error && <ErrorBox error={data.error} />}
      {data.data ? <LiteralMapView map={data.data.full_inputs} empty="No inputs." /> : !data.error && <Loading />}
      <h2>Outputs</h2>
      {data.data && <LiteralMapView map={data.data.full_outputs} empty={finished ? "No outputs." : "Not yet."} />}
    </>
  );
}

function NodeDetail({
  route,
  node,
  expandable,
  expanded,
  toggle,
}: {
  route: Extract<Route, { page: "execution" }>;
  node: NodeExecution | undefined;
  expandable: boolean;
  expanded: boolean;
  toggle(): void;
}) {
  const { api } = useNav();
  const nodeId = route.node ?? "";
  const phase = node?.closure?.phase;
  const data = useAsync(
    () => api.nodeExecutionData(route.project, route.domain, route.name, nodeId),
    `${nodeId}/${phase}`,
  );
  return (
    <section aria-label={`Node ${nodeId}`}>
      <h2>
        Node {nodeId} <PhaseBadge phase={phase} />
      </h2>
      {!node && <p className="muted">This node has not run yet.</p>}
      {expandable && (
        <p>
          <button type="button" aria-expanded={expanded} onClick={toggle}>
            {expanded ? "Collapse in the graph" : "Expand in the graph"}
          </button>
        </p>
      )}
      {node?.closure?.error && (
        <div className="error" role="alert">
          <strong>{node.closure.error.code}</strong>
          <pre>{node.closure.error.message}</pre>
        </div>
      )}
      {node && (
        <>
          <p className="muted">
            started {formatTime(node.closure?.started_at)}
            {node.closure?.duration ? ` · took ${formatDuration(node.closure.duration)}` : ""}
          </p>
          {childExecutionRoute(node) && (
            <p>
              Child execution <ChildLink node={node} />
            </p>
          )}
          {data.error && <ErrorBox error={data.error} />}
          <h3>Inputs</h3>
          {data.data ? <LiteralMapView map={data.data.full_inputs} empty="No inputs." /> : !data.error && <Loading />}
          <h3>Outputs</h3>
          {data.data && <LiteralMapView map={data.data.full_outputs} empty="No outputs." />}
          <Attempts
            project={route.project}
            domain={route.domain}
            name={route.name}
            nodeId={nodeId}
            phase={phase ?? ""}
          />
        </>
      )}
    </section>
  );
}

/** A link to the execution a launch-plan node started (nothing for other nodes). */
function ChildLink({ node }: { node: NodeExecution }) {
  const child = childExecutionRoute(node);
  if (!child) return null;
  return (
    <Link to={child} label={`Child execution ${child.name} of node ${node.id.node_id}`}>
      {child.name}
    </Link>
  );
}

/** Whether a node execution is of an array node of the workflow (top level, or inside a sub-workflow). */
function isArrayNode(wf: Workflow | undefined, ne: NodeExecution): boolean {
  const compiled = wf?.closure?.compiled_workflow;
  const id = ne.metadata?.spec_node_id || ne.id.node_id;
  return [compiled?.primary, ...(compiled?.sub_workflows ?? [])].some((w) =>
    (w?.template?.nodes ?? []).some((n) => n.id === id && n.array_node),
  );
}
