// Projects and their domains.
import { ErrorBox, Link, Loading, useAsync, useNav } from "../components/common.tsx";

export function ProjectsPage() {
  const { api } = useNav();
  const projects = useAsync(() => api.projects(), "projects");
  return (
    <section>
      <h1>Projects</h1>
      {projects.error && <ErrorBox error={projects.error} />}
      {!projects.data && !projects.error && <Loading />}
      {projects.data?.length === 0 && <p className="muted">No projects yet.</p>}
      <ul className="cards">
        {projects.data?.map((p) => (
          <li key={p.id} className="card">
            <h2>{p.name || p.id}</h2>
            {p.description && <p className="muted">{p.description}</p>}
            <ul className="domains" aria-label={`Domains of ${p.id}`}>
              {(p.domains ?? []).map((d) => (
                <li key={d.id}>
                  <Link
                    to={{ page: "project", project: p.id, domain: d.id, tab: "executions" }}
                    label={`${p.id} ${d.id}`}
                  >
                    {d.name || d.id}
                  </Link>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </section>
  );
}
