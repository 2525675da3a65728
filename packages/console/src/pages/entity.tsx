// A workflow, task or launch plan: its versions, and one version's detail with its interface.
import { ErrorBox, formatTime, Link, Loading, useAsync, useNav } from "../components/common.tsx";
import { literalSummary, literalView, typeLabel } from "../literals.ts";
import type { Route } from "../routes.ts";
import type { LaunchPlan, Parameter, Task, TypedInterface, Variable, Workflow } from "../types.ts";

const KIND_NAMES = { workflows: "Workflow", tasks: "Task", launch_plans: "Launch plan" } as const;

export function EntityPage({ route }: { route: Extract<Route, { page: "entity" }> }) {
  const { api } = useNav();
  const { kind, project, domain, name } = route;
  const versions = useAsync(() => api.versions(kind, project, domain, name), `${kind}/${project}/${domain}/${name}`);
  return (
    <section>
      <h1>
        <span className="muted">{KIND_NAMES[kind]}</span> {name}
      </h1>
      {versions.error && <ErrorBox error={versions.error} />}
      {!versions.data && !versions.error && <Loading />}
      <table className="table">
        <caption>Versions, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Registered</th>
            {kind === "launch_plans" && <th scope="col">State</th>}
          </tr>
        </thead>
        <tbody>
          {versions.data?.items.map((v) => (
            <tr key={v.id.version}>
              <td>
                <Link to={{ page: "version", kind, project, domain, name, version: v.id.version ?? "" }}>
                  {v.id.version}
                </Link>
              </td>
              <td>{formatTime((v as Workflow).closure?.created_at)}</td>
              {kind === "launch_plans" && <td>{(v as LaunchPlan).closure?.state}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function VersionPage({ route }: { route: Extract<Route, { page: "version" }> }) {
  const { api } = useNav();
  const { kind, project, domain, name, version } = route;
  const id = { project, domain, name, version };
  const entity = useAsync<Workflow | Task | LaunchPlan>(
    () => (kind === "workflows" ? api.workflow(id) : kind === "tasks" ? api.task(id) : api.launchPlan(id)),
    `${kind}/${project}/${domain}/${name}/${version}`,
  );
  const data = entity.data;
  return (
    <section>
      <h1>
        <span className="muted">{KIND_NAMES[kind]}</span> {name} <span className="muted">@ {version}</span>
      </h1>
      {entity.error && <ErrorBox error={entity.error} />}
      {!data && !entity.error && <Loading />}
      {data && kind === "workflows" && <WorkflowDetail wf={data as Workflow} />}
      {data && kind === "tasks" && <TaskDetail task={data as Task} />}
      {data && kind === "launch_plans" && <LaunchPlanDetail lp={data as LaunchPlan} />}
    </section>
  );
}

function WorkflowDetail({ wf }: { wf: Workflow }) {
  const primary = wf.closure?.compiled_workflow?.primary;
  const nodes = (primary?.template?.nodes ?? []).filter((n) => n.id !== "start-node" && n.id !== "end-node");
  return (
    <>
      {wf.short_description && <p>{wf.short_description}</p>}
      <p className="muted">Registered {formatTime(wf.closure?.created_at)}</p>
      <InterfaceView iface={primary?.template?.interface} />
      <h2>Nodes</h2>
      <ul className="rows">
        {nodes.map((n) => (
          <li key={n.id}>
            <code>{n.id}</code> {n.task_node?.reference_id?.name ?? n.workflow_node?.sub_workflow_ref?.name ?? ""}
          </li>
        ))}
      </ul>
    </>
  );
}

function TaskDetail({ task }: { task: Task }) {
  const template = task.closure?.compiled_task?.template;
  return (
    <>
      <p className="muted">
        Type <code>{template?.type}</code> · registered {formatTime(task.closure?.created_at)}
      </p>
      <InterfaceView iface={template?.interface} />
    </>
  );
}

function LaunchPlanDetail({ lp }: { lp: LaunchPlan }) {
  const wf = lp.spec?.workflow_id;
  return (
    <>
      <p>
        <Link
          to={{
            page: "launch",
            project: lp.id.project,
            domain: lp.id.domain,
            name: lp.id.name,
            version: lp.id.version ?? "",
          }}
          className="button primary"
        >
          Launch…
        </Link>
      </p>
      <p className="muted">
        State {lp.closure?.state ?? "?"} · workflow{" "}
        {wf && (
          <Link
            to={{
              page: "version",
              kind: "workflows",
              project: wf.project,
              domain: wf.domain,
              name: wf.name,
              version: wf.version ?? "",
            }}
          >
            {wf.name} @ {wf.version}
          </Link>
        )}
      </p>
      <h2>Inputs</h2>
      <ParameterTable params={lp.closure?.expected_inputs?.parameters} />
      <h2>Outputs</h2>
      <VariableTable vars={lp.closure?.expected_outputs?.variables} empty="No outputs." />
    </>
  );
}

export function InterfaceView({ iface }: { iface: TypedInterface | null | undefined }) {
  return (
    <>
      <h2>Inputs</h2>
      <VariableTable vars={iface?.inputs?.variables} empty="No inputs." />
      <h2>Outputs</h2>
      <VariableTable vars={iface?.outputs?.variables} empty="No outputs." />
    </>
  );
}

function VariableTable({ vars, empty }: { vars: Record<string, Variable> | null | undefined; empty: string }) {
  const entries = Object.entries(vars ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  if (entries.length === 0) return <p className="muted">{empty}</p>;
  return (
    <table className="table">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Type</th>
          <th scope="col">Description</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([n, v]) => (
          <tr key={n}>
            <td>
              <code>{n}</code>
            </td>
            <td>{typeLabel(v.type)}</td>
            <td>{v.description}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ParameterTable({ params }: { params: Record<string, Parameter> | null | undefined }) {
  const entries = Object.entries(params ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  if (entries.length === 0) return <p className="muted">No inputs.</p>;
  return (
    <table className="table">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Type</th>
          <th scope="col">Default</th>
          <th scope="col">Description</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([n, p]) => (
          <tr key={n}>
            <td>
              <code>{n}</code>
              {p.required && <span className="muted"> (required)</span>}
            </td>
            <td>{typeLabel(p.var?.type)}</td>
            <td>{p.default ? literalSummary(literalView(p.default)) : ""}</td>
            <td>{p.var?.description}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
