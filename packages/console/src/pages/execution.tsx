// One execution: phase, inputs and outputs, the gates waiting for input, the DAG coloured by node phase, the timeline,
// the node list, a node's detail (?node=…) with its attempts and logs; terminate, relaunch and recover. Polls while the
// execution is not finished; node executions arrive incrementally (node-execution-cache.ts).
import { useEffect, useMemo, useRef, useState } from "react";
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
import { ChildLink, NodeList } from "../components/node-list.tsx";
import { Signals } from "../components/signals.tsx";
import { TimelineView } from "../components/timeline-view.tsx";
import { LiteralMapView } from "../components/literal-view.tsx";
import { allNodes, buildDag, phaseCounts } from "../dag.ts";
import { childExecutionRoute, parentExecutionRoute } from "../execution-links.ts";
import { NodeExecutionCache } from "../node-execution-cache.ts";
import { NODE_RETRY_MS, selectedNode } from "../selected-node.ts";
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
  const [actionError, setActionError] = useState<ApiError>();
  // Expanded nodes are in the URL (`?expand=a,b`): a link shows the graph as it was shared.
  const expanded: ReadonlySet<string> = new Set(route.expand ?? []);
  // The first page of node executions shows at once; the others (and then only what changed) follow.
  // A page of the background load shows at once (a render); the last one refreshes the rest too (array counts).
  const [, setPages] = useState(0);
  const more = useRef<(done: boolean) => void>(() => {});
  const workflowAsked = useRef(false);
  const cache = useMemo(
    () =>
      new NodeExecutionCache(
        (q) => api.nodeExecutionsPage(project, domain, name, q),
        (done) => more.current(done),
      ),
    [api, project, domain, name],
  );
  const snap = useAsync<Snapshot>(
    async () => {
      const [execution, nodes, signals] = await Promise.all([
        api.execution(project, domain, name),
        cache.refresh(),
        api.signals(project, domain, name),
      ]);
      // The workflow (its closure is megabytes at 5,000 nodes) is asked for once, after the node executions are all
      // there (one page for most executions), and not waited for: the node list shows meanwhile, the graph after.
      const wf = workflow;
      const wfId = execution.closure?.workflow_id;
      if (!wf && wfId && !workflowAsked.current && cache.complete) {
        workflowAsked.current = true;
        api.workflow(wfId).then(
          (w) => {
            setWorkflow(w);
            more.current(true);
          },
          (err: unknown) => {
            workflowAsked.current = false;
            setActionError(asApiError(err));
          },
        );
      }
      const children = new Map(
        await Promise.all(
          [...expanded].map(async (id) => [id, await api.nodeExecutions(project, domain, name, id)] as const),
        ),
      );
      // Array nodes that ran (top level and inside expanded nodes): their latest attempt's sub-nodes by phase.
      const arrayIds = arrayNodeIds(wf);
      const arrays = [...nodes, ...[...children.values()].flat()].filter((ne) =>
        arrayIds.has(ne.metadata?.spec_node_id || ne.id.node_id),
      );
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
  more.current = (done) => (done ? reload() : setPages((n) => n + 1));
  useEffect(() => {
    if (done || !snap.data) return;
    const timer = window.setTimeout(reload, 1500);
    return () => window.clearTimeout(timer);
  }, [done, snap.data, reload]);

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

  // The graph again only when what it is built from changed (a refresh that changed nothing costs no rebuild).
  const nodes = cache.list();
  const compiled = workflow?.closure?.compiled_workflow;
  const expandKey = (route.expand ?? []).join("\u0000");
  const children = snap.data?.children.size ? snap.data.children : undefined;
  const counts = snap.data?.counts.size ? snap.data.counts : undefined;
  const dag = useMemo(
    () =>
      buildDag(compiled?.primary, nodes, {
        expanded: new Set(expandKey === "" ? [] : expandKey.split("\u0000")),
        children: children ?? new Map(),
        subWorkflows: compiled?.sub_workflows ?? [],
        counts: counts ?? new Map(),
      }),
    [compiled, nodes, expandKey, children, counts],
  );
  if (snap.error && !snap.data) return <ErrorBox error={snap.error} />;
  if (!snap.data) return <Loading />;
  const { execution } = snap.data;
  const c = execution.closure;
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
        <p className="muted graph-summary">
          {workflowAsked.current && !workflow ? "Loading the graph…" : "No graph for this execution."}
        </p>
      )}
      <details open={showTimeline} onToggle={(ev) => setShowTimeline(ev.currentTarget.open)}>
        <summary className="timeline-summary">
          <h2>Timeline</h2>
        </summary>
        {showTimeline && <TimelineView project={project} domain={domain} name={name} phase={phase} onSelect={select} />}
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
              running={!done}
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
  node: cached,
  running,
  expandable,
  expanded,
  toggle,
}: {
  route: Extract<Route, { page: "execution" }>;
  /** The node execution from the page's cache; undefined while its page has not arrived (or it has not run). */
  node: NodeExecution | undefined;
  running: boolean;
  expandable: boolean;
  expanded: boolean;
  toggle(): void;
}) {
  const { api } = useNav();
  const nodeId = route.node ?? "";
  // A deep link to a node of a big execution, or inside a sub-workflow or branch, comes before the node's page of node
  // executions: GetNodeExecution for it, asked again a while after each answer while the execution runs and the node
  // is not in the cache (a node that had not run may start).
  const direct = useAsync(
    () => (cached ? Promise.resolve(undefined) : api.nodeExecution(route.project, route.domain, route.name, nodeId)),
    cached ? "cached" : `${route.project}/${route.domain}/${route.name}/${nodeId}`,
  );
  const { loading: directLoading, reload: directReload } = direct;
  useEffect(() => {
    if (cached || !running || directLoading) return;
    const timer = window.setTimeout(directReload, NODE_RETRY_MS);
    return () => window.clearTimeout(timer);
  }, [cached, running, directLoading, directReload]);
  const selected = selectedNode(cached, direct);
  const node = selected.state === "found" ? selected.node : undefined;
  const phase = node?.closure?.phase;
  // Inputs and outputs only of a node that ran (a node that did not has none: no 404 to ask for).
  const data = useAsync(
    () => (node ? api.nodeExecutionData(route.project, route.domain, route.name, nodeId) : Promise.resolve(undefined)),
    node ? `${nodeId}/${phase}` : "",
  );
  return (
    <section aria-label={`Node ${nodeId}`}>
      <h2>
        Node {nodeId} <PhaseBadge phase={phase} />
      </h2>
      {selected.state === "loading" && <Loading />}
      {selected.state === "not-run" && <p className="muted">This node has not run yet.</p>}
      {selected.state === "error" && <ErrorBox error={selected.error} />}
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

/** The ids of the workflow's array nodes (top level, or inside a sub-workflow). */
function arrayNodeIds(wf: Workflow | undefined): Set<string> {
  const compiled = wf?.closure?.compiled_workflow;
  return new Set(
    [compiled?.primary, ...(compiled?.sub_workflows ?? [])].flatMap((w) =>
      (w?.template?.nodes ?? []).filter((n) => n.array_node).map((n) => n.id),
    ),
  );
}
