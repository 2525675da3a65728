// A project-domain: its executions (the default tab), workflows, tasks and launch plans.
import { useState } from "react";
import { ErrorBox, Link, Loading, useAsync, useNav } from "../components/common.tsx";
import type { EntityKind, ProjectTab, Route } from "../routes.ts";
import { ExecutionsList } from "./executions.tsx";

const TABS: [ProjectTab, string][] = [
  ["executions", "Executions"],
  ["workflows", "Workflows"],
  ["launch_plans", "Launch plans"],
  ["tasks", "Tasks"],
];

export function ProjectPage({ route }: { route: Extract<Route, { page: "project" }> }) {
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
        <EntityNames key={route.tab} kind={route.tab} project={route.project} domain={route.domain} />
      )}
    </section>
  );
}

function EntityNames(props: { kind: EntityKind; project: string; domain: string }) {
  const { api } = useNav();
  const [token, setToken] = useState("");
  const [pages, setPages] = useState<string[][]>([]);
  const page = useAsync(async () => {
    const r = await api.entityNames(props.kind, props.project, props.domain, token);
    setPages((old) => (token === "" ? [r.items] : [...old, r.items]));
    return r;
  }, `${props.kind}/${token}`);
  const names = pages.flat();
  return (
    <div>
      {page.error && <ErrorBox error={page.error} />}
      {page.loading && names.length === 0 && <Loading />}
      {!page.loading && !page.error && names.length === 0 && <p className="muted">Nothing registered here yet.</p>}
      <ul className="rows">
        {names.map((name) => (
          <li key={name}>
            <Link to={{ page: "entity", kind: props.kind, project: props.project, domain: props.domain, name }}>
              {name}
            </Link>
          </li>
        ))}
      </ul>
      {page.data?.token && (
        <button type="button" onClick={() => setToken(page.data?.token ?? "")} disabled={page.loading}>
          Load more
        </button>
      )}
    </div>
  );
}
