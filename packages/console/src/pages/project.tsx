// A project-domain: its executions (the default tab), workflows, tasks and launch plans (active or archived, each
// archivable from the list), and the launch plans' active schedules with their next fire times.
import { useState } from "react";
import type { ApiError } from "../api.ts";
import { asApiError, ErrorBox, formatTime, Link, Loading, useAsync, useNav } from "../components/common.tsx";
import { DataTable } from "../components/data-table.tsx";
import type { EntityKind, ProjectTab, Route } from "../routes.ts";
import type { NamedEntity } from "../types.ts";
import { ExecutionsList } from "./executions.tsx";

const TABS: [ProjectTab, string][] = [
  ["executions", "Executions"],
  ["workflows", "Workflows"],
  ["launch_plans", "Launch plans"],
  ["tasks", "Tasks"],
];

type ProjectRoute = Extract<Route, { page: "project" }>;

export function ProjectPage({ route }: { route: ProjectRoute }) {
  return (
    <section>
      <h1>
        {route.project} <span className="muted">· {route.domain}</span>
      </h1>
      <nav className="tabs" aria-label="Sections">
        {TABS.map(([tab, label]) => (
          <Link
            key={tab}
            to={{ page: "project", project: route.project, domain: route.domain, tab }}
            className={tab === route.tab ? "tab active" : "tab"}
          >
            {label}
          </Link>
        ))}
      </nav>
      {route.tab === "executions" ? (
        <ExecutionsList route={route} />
      ) : (
        <>
          {route.tab === "launch_plans" && !route.archived && (
            <Schedules project={route.project} domain={route.domain} />
          )}
          <EntityNames
            key={`${route.tab}/${route.archived}`}
            kind={route.tab}
            route={route}
            archived={route.archived === true}
          />
        </>
      )}
    </section>
  );
}

const NOUNS: Record<EntityKind, string> = { workflows: "workflows", tasks: "tasks", launch_plans: "launch plans" };

function EntityNames(props: { kind: EntityKind; route: ProjectRoute; archived: boolean }) {
  const { api, navigate } = useNav();
  const { project, domain } = props.route;
  const [token, setToken] = useState("");
  const [pages, setPages] = useState<NamedEntity[][]>([]);
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const [failure, setFailure] = useState<ApiError>();
  const page = useAsync(async () => {
    const r = await api.namedEntities(props.kind, project, domain, props.archived, token);
    setPages((old) => (token === "" ? [r.items] : [...old, r.items]));
    return r;
  }, `${props.kind}/${props.archived}/${token}`);
  const entities = pages.flat().filter((x) => !hidden.has(x.id.name));
  const toggle = async (entity: NamedEntity) => {
    setFailure(undefined);
    try {
      await api.setArchived(props.kind, entity, !props.archived);
      setHidden((old) => new Set([...old, entity.id.name]));
    } catch (err) {
      setFailure(asApiError(err));
    }
  };
  const verb = props.archived ? "Unarchive" : "Archive";
  return (
    <div>
      <div className="toolbar">
        <label>
          <input
            type="checkbox"
            checked={props.archived}
            onChange={(ev) => navigate({ ...props.route, archived: ev.target.checked || undefined })}
          />{" "}
          Show archived {NOUNS[props.kind]}
        </label>
      </div>
      {page.error && <ErrorBox error={page.error} />}
      {failure && <ErrorBox error={failure} />}
      {page.loading && entities.length === 0 && <Loading />}
      {(!page.loading || entities.length > 0) && !page.error && (
        <DataTable
          label={`${props.archived ? "Archived" : "Active"} ${NOUNS[props.kind]}`}
          rows={entities}
          rowKey={(x) => x.id.name}
          empty={props.archived ? `No archived ${NOUNS[props.kind]}.` : "Nothing registered here yet."}
          columns={[
            {
              header: "Name",
              cell: (x) => (
                <Link to={{ page: "entity", kind: props.kind, project, domain, name: x.id.name }}>{x.id.name}</Link>
              ),
            },
            { header: "Description", cell: (x) => x.metadata?.description },
            {
              header: "Actions",
              hiddenHeader: true,
              cell: (x) => (
                <button type="button" aria-label={`${verb} ${x.id.name}`} onClick={() => void toggle(x)}>
                  {verb}
                </button>
              ),
            },
          ]}
        />
      )}
      {page.data?.token && (
        <button type="button" onClick={() => setToken(page.data?.token ?? "")} disabled={page.loading}>
          Load more
        </button>
      )}
    </div>
  );
}

function Schedules({ project, domain }: { project: string; domain: string }) {
  const { api } = useNav();
  const schedules = useAsync(() => api.schedules(project, domain), `${project}/${domain}`);
  if (schedules.error) return <ErrorBox error={schedules.error} />;
  if (!schedules.data || schedules.data.length === 0) return null;
  return (
    <DataTable
      caption="Active schedules"
      rows={schedules.data}
      rowKey={(s) => `${s.launchPlan.name}/${s.launchPlan.version}`}
      columns={[
        {
          header: "Launch plan",
          cell: (s) => (
            <Link
              to={{
                page: "version",
                kind: "launch_plans",
                project,
                domain,
                name: s.launchPlan.name,
                version: s.launchPlan.version,
              }}
            >
              {s.launchPlan.name} @ {s.launchPlan.version}
            </Link>
          ),
        },
        { header: "Schedule", cell: (s) => s.schedule },
        { header: "Next run", cell: (s) => formatTime(s.nextFireTime) },
        { header: "Last run", cell: (s) => formatTime(s.lastFireTime) },
        { header: "Last error", cell: (s) => s.lastError && <span className="error-text">{s.lastError}</span> },
      ]}
    />
  );
}
