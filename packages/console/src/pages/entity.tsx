// A workflow, task or launch plan: its name's state (archive, unarchive), its versions (a launch plan's activated and
// deactivated from here), and one version's detail with its interface, schedule and launch form link.
import { useState } from "react";
import type { ApiError } from "../api.ts";
import { asApiError, ErrorBox, formatTime, Link, Loading, useAsync, useNav } from "../components/common.tsx";
import { DataTable } from "../components/data-table.tsx";
import { isArchived, scheduleLabel } from "../entities.ts";
import { literalSummary, literalView, typeLabel } from "../literals.ts";
import type { EntityKind, Route } from "../routes.ts";
import type { LaunchPlan, Parameter, Task, TypedInterface, Variable, Workflow } from "../types.ts";

const KIND_NAMES = { workflows: "Workflow", tasks: "Task", launch_plans: "Launch plan" } as const;

type Versioned = Workflow | Task | LaunchPlan;

export function EntityPage({ route }: { route: Extract<Route, { page: "entity" }> }) {
  const { api } = useNav();
  const { kind, project, domain, name } = route;
  const key = `${kind}/${project}/${domain}/${name}`;
  const versions = useAsync(() => api.versions(kind, project, domain, name), key);
  const [failure, setFailure] = useState<ApiError>();
  const act = async (change: () => Promise<unknown>) => {
    setFailure(undefined);
    try {
      await change();
      versions.reload();
    } catch (err) {
      setFailure(asApiError(err));
    }
  };
  return (
    <section>
      <h1>
        <span className="muted">{KIND_NAMES[kind]}</span> {name}
      </h1>
      <ArchiveState kind={kind} project={project} domain={domain} name={name} />
      {kind !== "tasks" && (
        <p>
          <Link
            to={{
              page: "project",
              project,
              domain,
              tab: "executions",
              ...(kind === "workflows" ? { wf: name } : { lp: name }),
            }}
          >
            Executions of this {kind === "workflows" ? "workflow" : "launch plan"}
          </Link>
        </p>
      )}
      {versions.error && <ErrorBox error={versions.error} />}
      {failure && <ErrorBox error={failure} />}
      {!versions.data && !versions.error && <Loading />}
      <DataTable<Versioned>
        caption="Versions, newest first"
        rows={versions.data?.items ?? []}
        rowKey={(v) => v.id.version ?? ""}
        columns={[
          {
            header: "Version",
            cell: (v) => (
              <Link to={{ page: "version", kind, project, domain, name, version: v.id.version ?? "" }}>
                {v.id.version}
              </Link>
            ),
          },
          { header: "Registered", cell: (v) => formatTime(v.closure?.created_at) },
          kind === "launch_plans" && { header: "State", cell: (v) => (v as LaunchPlan).closure?.state },
          kind === "launch_plans" && {
            header: "Schedule",
            cell: (v) => scheduleLabel((v as LaunchPlan).spec?.entity_metadata?.schedule),
          },
          kind === "launch_plans" && {
            header: "Actions",
            hiddenHeader: true,
            cell: (v) => {
              const active = (v as LaunchPlan).closure?.state === "ACTIVE";
              return (
                <button
                  type="button"
                  aria-label={`${active ? "Deactivate" : "Activate"} version ${v.id.version}`}
                  onClick={() => void act(() => api.setLaunchPlanActive(v.id, !active))}
                >
                  {active ? "Deactivate" : "Activate"}
                </button>
              );
            },
          },
        ]}
      />
    </section>
  );
}

/** Whether the name is archived, with the button that changes it. */
function ArchiveState(props: { kind: EntityKind; project: string; domain: string; name: string }) {
  const { api } = useNav();
  const entity = useAsync(
    () => api.namedEntity(props.kind, props.project, props.domain, props.name),
    `${props.kind}/${props.project}/${props.domain}/${props.name}`,
  );
  const [failure, setFailure] = useState<ApiError>();
  if (entity.error) return <ErrorBox error={entity.error} />;
  if (!entity.data) return null;
  const archived = isArchived(entity.data.metadata?.state);
  const toggle = async () => {
    setFailure(undefined);
    try {
      await api.setArchived(props.kind, entity.data!, !archived);
      entity.reload();
    } catch (err) {
      setFailure(asApiError(err));
    }
  };
  return (
    <div className="actions">
      {entity.data.metadata?.description && <p>{entity.data.metadata.description}</p>}
      <span className="muted" aria-live="polite">
        {archived ? "Archived" : "Active"}
      </span>
      <button type="button" onClick={() => void toggle()} disabled={entity.loading}>
        {archived ? "Unarchive" : "Archive"}
      </button>
      {failure && <ErrorBox error={failure} />}
    </div>
  );
}

export function VersionPage({ route }: { route: Extract<Route, { page: "version" }> }) {
  const { api } = useNav();
  const { kind, project, domain, name, version } = route;
  const id = { project, domain, name, version };
  const entity = useAsync<Versioned>(
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
      {data && kind === "launch_plans" && <LaunchPlanDetail lp={data as LaunchPlan} reload={entity.reload} />}
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
  const { project, domain, name, version } = task.id;
  return (
    <>
      <p>
        <Link
          to={{ page: "launch", kind: "tasks", project, domain, name, version: version ?? "" }}
          className="button primary"
        >
          Launch…
        </Link>
      </p>
      <p className="muted">
        Type <code>{template?.type}</code> · registered {formatTime(task.closure?.created_at)}
      </p>
      <InterfaceView iface={template?.interface} />
    </>
  );
}

function LaunchPlanDetail({ lp, reload }: { lp: LaunchPlan; reload(): void }) {
  const { api } = useNav();
  const wf = lp.spec?.workflow_id;
  const schedule = scheduleLabel(lp.spec?.entity_metadata?.schedule);
  const active = lp.closure?.state === "ACTIVE";
  const [failure, setFailure] = useState<ApiError>();
  const toggle = async () => {
    setFailure(undefined);
    try {
      await api.setLaunchPlanActive(lp.id, !active);
      reload();
    } catch (err) {
      setFailure(asApiError(err));
    }
  };
  return (
    <>
      <div className="actions">
        <Link
          to={{
            page: "launch",
            kind: "launch_plans",
            project: lp.id.project,
            domain: lp.id.domain,
            name: lp.id.name,
            version: lp.id.version ?? "",
          }}
          className="button primary"
        >
          Launch…
        </Link>
        <button type="button" onClick={() => void toggle()}>
          {active ? "Deactivate" : "Activate"}
        </button>
      </div>
      {failure && <ErrorBox error={failure} />}
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
      {schedule && <ScheduleView lp={lp} label={schedule} active={active} />}
      <h2>Inputs</h2>
      <ParameterTable params={lp.closure?.expected_inputs?.parameters} />
      <h2>Outputs</h2>
      <VariableTable vars={lp.closure?.expected_outputs?.variables} empty="No outputs." />
    </>
  );
}

/** The schedule of a launch plan version, and while it is active the scheduler's next and last fire times. */
function ScheduleView({ lp, label, active }: { lp: LaunchPlan; label: string; active: boolean }) {
  const { api } = useNav();
  const { project, domain } = lp.id;
  const schedules = useAsync(() => api.schedules(project, domain), `${project}/${domain}/${active}`);
  const mine = schedules.data?.find((s) => s.launchPlan.name === lp.id.name && s.launchPlan.version === lp.id.version);
  return (
    <section aria-label="Schedule">
      <h2>Schedule</h2>
      <p>
        {label}
        {!active && <span className="muted"> · runs only while this version is active</span>}
      </p>
      {schedules.error && <ErrorBox error={schedules.error} />}
      {mine && (
        <p>
          Next run <strong>{formatTime(mine.nextFireTime) || "none"}</strong>
          {mine.lastFireTime && ` · last run ${formatTime(mine.lastFireTime)}`}
          {mine.lastError && <span className="error-text"> · last error: {mine.lastError}</span>}
        </p>
      )}
    </section>
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

const byName = <T,>(map: Record<string, T> | null | undefined): [string, T][] =>
  Object.entries(map ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));

function VariableTable({ vars, empty }: { vars: Record<string, Variable> | null | undefined; empty: string }) {
  return (
    <DataTable
      rows={byName(vars)}
      rowKey={([n]) => n}
      empty={empty}
      columns={[
        { header: "Name", cell: ([n]) => <code>{n}</code> },
        { header: "Type", cell: ([, v]) => typeLabel(v.type) },
        { header: "Description", cell: ([, v]) => v.description },
      ]}
    />
  );
}

function ParameterTable({ params }: { params: Record<string, Parameter> | null | undefined }) {
  return (
    <DataTable
      rows={byName(params)}
      rowKey={([n]) => n}
      empty="No inputs."
      columns={[
        {
          header: "Name",
          cell: ([n, p]) => (
            <>
              <code>{n}</code>
              {p.required && <span className="muted"> (required)</span>}
            </>
          ),
        },
        { header: "Type", cell: ([, p]) => typeLabel(p.var?.type) },
        { header: "Default", cell: ([, p]) => (p.default ? literalSummary(literalView(p.default)) : "") },
        { header: "Description", cell: ([, p]) => p.var?.description },
      ]}
    />
  );
}
