// The console's shell: the History-API router (every page a URL; back and forward work), the header with the theme
// toggle, and the page for the current route.
import { useCallback, useEffect, useMemo, useState } from "react";
import type { Api } from "./api.ts";
import { Link, type Nav, NavContext } from "./components/common.tsx";
import { EntityPage, VersionPage } from "./pages/entity.tsx";
import { ExecutionPage } from "./pages/execution.tsx";
import { LaunchPage } from "./pages/launch.tsx";
import { ProjectPage } from "./pages/project.tsx";
import { ProjectsPage } from "./pages/projects.tsx";
import { parseRoute, type Route, routeHref, routeTitle } from "./routes.ts";

type Theme = "light" | "dark";

/** The theme chosen with the toggle, if any; without one the page follows prefers-color-scheme (styles.css). */
function savedTheme(): Theme | undefined {
  const saved = window.localStorage.getItem("aloft-theme");
  return saved === "light" || saved === "dark" ? saved : undefined;
}

function systemTheme(): Theme {
  return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function App({ api }: { api: Api }) {
  const [location, setLocation] = useState(() => ({ path: window.location.pathname, search: window.location.search }));
  const [chosen, setChosen] = useState<Theme | undefined>(savedTheme);
  const theme = chosen ?? systemTheme();

  useEffect(() => {
    const onPop = () => setLocation({ path: window.location.pathname, search: window.location.search });
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);
  useEffect(() => {
    if (chosen) document.documentElement.dataset.theme = chosen;
    else delete document.documentElement.dataset.theme;
  }, [chosen]);

  const navigate = useCallback((to: Route | string, replace = false) => {
    const href = typeof to === "string" ? to : routeHref(to);
    const samePage = new URL(href, window.location.href).pathname === window.location.pathname;
    if (replace) window.history.replaceState(null, "", href);
    else window.history.pushState(null, "", href);
    const url = new URL(href, window.location.href);
    setLocation({ path: url.pathname, search: url.search });
    if (!samePage) window.scrollTo(0, 0);
  }, []);
  const nav: Nav = useMemo(() => ({ api, navigate }), [api, navigate]);
  const route = parseRoute(location.path, location.search);

  useEffect(() => {
    document.title = `${routeTitle(route)} · Aloft`;
  });

  const toggle = () => {
    const next = theme === "dark" ? "light" : "dark";
    window.localStorage.setItem("aloft-theme", next);
    setChosen(next);
  };

  return (
    <NavContext.Provider value={nav}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to={{ page: "projects" }} className="brand" label="Aloft: all projects">
          Aloft
        </Link>
        <Crumbs route={route} />
        <button
          type="button"
          className="theme"
          onClick={toggle}
          aria-label={`Switch to ${theme === "dark" ? "light" : "dark"} theme`}
        >
          {theme === "dark" ? "☀" : "☾"}
        </button>
      </header>
      <main id="main">
        <Page route={route} />
      </main>
    </NavContext.Provider>
  );
}

function Crumbs({ route }: { route: Route }) {
  if (route.page === "projects" || route.page === "not-found")
    return <nav aria-label="Breadcrumb" className="crumbs" />;
  const { project, domain } = route;
  return (
    <nav aria-label="Breadcrumb" className="crumbs">
      <Link to={{ page: "projects" }}>Projects</Link>
      <span aria-hidden="true">/</span>
      <Link to={{ page: "project", project, domain, tab: "executions" }}>
        {project} · {domain}
      </Link>
    </nav>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "projects":
      return <ProjectsPage />;
    case "project":
      return <ProjectPage key={`${route.project}/${route.domain}`} route={route} />;
    case "entity":
      return <EntityPage route={route} />;
    case "version":
      return <VersionPage route={route} />;
    case "launch":
      return <LaunchPage route={route} />;
    case "execution":
      return <ExecutionPage key={`${route.project}/${route.domain}/${route.name}`} route={route} />;
    case "not-found":
      return (
        <section>
          <h1>Not found</h1>
          <p>
            Nothing lives at <code>{route.path}</code>. <Link to={{ page: "projects" }}>See all projects</Link>.
          </p>
        </section>
      );
  }
}
