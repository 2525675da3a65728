// The executions of a project-domain: filters (phase, name, launch plan, workflow, time range) and sort in the URL
// (each change a history entry), pages fetched by token as the list scrolls, rows virtualised (only the visible ones
// are in the DOM), and a live refresh of the newest page.
import { useVirtualizer } from "@tanstack/react-virtual";
import { type FormEvent, useCallback, useEffect, useRef, useState } from "react";
import type { ApiError } from "../api.ts";
import {
  asApiError,
  ErrorBox,
  formatDuration,
  formatTime,
  Link,
  PhaseBadge,
  useAsync,
  useNav,
} from "../components/common.tsx";
import { EXECUTION_PHASES } from "../phases.ts";
import type { ExecutionQuery } from "../api.ts";
import { fromLocalInput, hasFilters, phaseParam, phasesOf, toLocalInput } from "../execution-filters.ts";
import { type ExecutionFilters, FILTER_KEYS, type Route } from "../routes.ts";
import type { Execution } from "../types.ts";

const PAGE = 100;
const ROW = 40;
const SORTS: [string, string][] = [
  ["created_at.desc", "Newest first"],
  ["created_at.asc", "Oldest first"],
  ["updated_at.desc", "Recently updated"],
  ["duration.desc", "Longest"],
];

export function ExecutionsList({ route }: { route: Extract<Route, { page: "project" }> }) {
  const { api, navigate } = useNav();
  const [items, setItems] = useState<Execution[]>([]);
  const [token, setToken] = useState("");
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(false);
  const [live, setLive] = useState(true);
  const query: ExecutionQueryBase = { project: route.project, domain: route.domain };
  for (const k of FILTER_KEYS) if (route[k]) query[k] = route[k];
  const queryKey = JSON.stringify(query);
  const generation = useRef(0);
  // The names the launch plan and workflow filters offer (a failure leaves them free text, without suggestions).
  const names = useAsync(async () => {
    const [lp, wf] = await Promise.all([
      api.entityNames("launch_plans", route.project, route.domain),
      api.entityNames("workflows", route.project, route.domain),
    ]);
    return { lp, wf };
  }, `${route.project}/${route.domain}`);

  // biome-ignore lint/correctness/useExhaustiveDependencies: queryKey stands for the query
  const fetchPage = useCallback(
    async (from: string, mode: "replace" | "append" | "refresh") => {
      const gen = generation.current;
      setLoading(true);
      try {
        const r = await api.executions({ ...query, limit: PAGE, token: from });
        if (gen !== generation.current) return;
        setError(undefined);
        if (mode === "append") setItems((old) => [...old, ...r.items]);
        else if (mode === "replace") setItems(r.items);
        else {
          // The newest page replaces its own rows; pages loaded further down stay.
          const fresh = new Set(r.items.map((x) => x.id.name));
          setItems((old) => [...r.items, ...old.slice(PAGE).filter((x) => !fresh.has(x.id.name))]);
        }
        if (mode !== "refresh") setToken(r.token);
      } catch (err) {
        if (gen === generation.current) setError(asApiError(err));
      } finally {
        if (gen === generation.current) setLoading(false);
      }
    },
    [api, queryKey],
  );

  useEffect(() => {
    generation.current++;
    setItems([]);
    setToken("");
    void fetchPage("", "replace");
  }, [fetchPage]);

  useEffect(() => {
    if (!live) return;
    const timer = window.setInterval(() => void fetchPage("", "refresh"), 5000);
    return () => window.clearInterval(timer);
  }, [live, fetchPage]);

  const scroller = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 10,
  });
  const virtualRows = rows.getVirtualItems();
  const last = virtualRows[virtualRows.length - 1];
  useEffect(() => {
    if (last && last.index >= items.length - 20 && token && !loading) void fetchPage(token, "append");
  }, [last, items.length, token, loading, fetchPage]);

  // Each change of filters is a new history entry: back and forward walk through them.
  const set = (change: Partial<ExecutionFilters>) => navigate({ ...route, ...change } as Route);

  return (
    <div>
      <FilterForm key={queryKey} route={route} apply={set} names={names.data} />
      <div className="toolbar">
        <PhasePicker selected={phasesOf(route)} apply={(phases) => set({ phase: phaseParam(phases) })} />
        <label>
          Sort{" "}
          <select value={route.sort ?? "created_at.desc"} onChange={(ev) => set({ sort: ev.target.value })}>
            {SORTS.map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={live} onChange={(ev) => setLive(ev.target.checked)} /> Live refresh
        </label>
        <button type="button" onClick={() => void fetchPage("", "refresh")}>
          Refresh
        </button>
        <span className="muted" aria-live="polite">
          {loading ? "Loading…" : `${items.length}${token ? "+" : ""} executions`}
        </span>
      </div>
      {error && <ErrorBox error={error} />}
      <div className="exec-head" aria-hidden="true">
        <span>Name</span>
        <span>Phase</span>
        <span>Launch plan</span>
        <span>Started</span>
        <span>Duration</span>
      </div>
      <div ref={scroller} className="exec-scroll">
        <ul aria-label="Executions" className="exec-list" style={{ height: rows.getTotalSize() }}>
          {virtualRows.map((v) => {
            const x = items[v.index]!;
            return (
              <li
                key={x.id.name}
                className="exec-row"
                style={{
                  position: "absolute",
                  top: 0,
                  left: 0,
                  right: 0,
                  height: ROW,
                  transform: `translateY(${v.start}px)`,
                }}
              >
                <Link to={{ page: "execution", project: x.id.project, domain: x.id.domain, name: x.id.name }}>
                  {x.id.name}
                </Link>
                <PhaseBadge phase={x.closure?.phase} />
                <span className="ellipsis">{x.spec?.launch_plan?.name}</span>
                <span>{formatTime(x.closure?.started_at ?? x.closure?.created_at)}</span>
                <span>{formatDuration(x.closure?.duration)}</span>
              </li>
            );
          })}
        </ul>
        {!loading && !error && items.length === 0 && (
          <p className="muted">{hasFilters(route) ? "No executions match." : "No executions yet."}</p>
        )}
      </div>
    </div>
  );
}

type ExecutionQueryBase = Omit<ExecutionQuery, "limit">;

/** The text filters and the time range, applied together (Enter or Apply); Clear drops every filter. */
function FilterForm({
  route,
  apply,
  names,
}: {
  route: ExecutionFilters;
  apply(change: Partial<ExecutionFilters>): void;
  names: { lp: string[]; wf: string[] } | undefined;
}) {
  const [q, setQ] = useState(route.q ?? "");
  const [lp, setLp] = useState(route.lp ?? "");
  const [wf, setWf] = useState(route.wf ?? "");
  const [from, setFrom] = useState(toLocalInput(route.from));
  const [to, setTo] = useState(toLocalInput(route.to));
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    apply({
      q: q.trim() || undefined,
      lp: lp.trim() || undefined,
      wf: wf.trim() || undefined,
      from: fromLocalInput(from),
      to: fromLocalInput(to),
    });
  };
  const clear = () =>
    apply({ q: undefined, lp: undefined, wf: undefined, from: undefined, to: undefined, phase: undefined });
  return (
    <form className="toolbar filters" onSubmit={submit} aria-label="Filter executions">
      <label>
        Name <input type="search" value={q} onChange={(ev) => setQ(ev.target.value)} placeholder="part of the name" />
      </label>
      <NameFilter label="Launch plan" id="filter-lp-names" value={lp} onChange={setLp} names={names?.lp} />
      <NameFilter label="Workflow" id="filter-wf-names" value={wf} onChange={setWf} names={names?.wf} />
      <label>
        Created from <input type="datetime-local" value={from} onChange={(ev) => setFrom(ev.target.value)} />
      </label>
      <label>
        Created to <input type="datetime-local" value={to} onChange={(ev) => setTo(ev.target.value)} />
      </label>
      <button type="submit">Apply filters</button>
      <button type="button" onClick={clear} disabled={!hasFilters(route)}>
        Clear filters
      </button>
    </form>
  );
}

/** A name filter: a labelled text input offering the names known as it is typed in (a native list: arrow keys pick,
 * Enter takes one). */
function NameFilter(props: {
  label: string;
  id: string;
  value: string;
  onChange(value: string): void;
  names: string[] | undefined;
}) {
  return (
    <>
      <label>
        {props.label}{" "}
        <input
          type="text"
          list={props.id}
          value={props.value}
          onChange={(ev) => props.onChange(ev.target.value)}
          spellCheck={false}
        />
      </label>
      <datalist id={props.id}>
        {(props.names ?? []).map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
    </>
  );
}

/** Phases to show, any of several: a disclosure (Enter or Space opens it) of checkboxes, each a change of the URL. */
function PhasePicker({ selected, apply }: { selected: string[]; apply(phases: string[]): void }) {
  const chosen = new Set(selected);
  const toggle = (p: string) => {
    const next = new Set(chosen);
    if (!next.delete(p)) next.add(p);
    apply(EXECUTION_PHASES.filter((x) => next.has(x)));
  };
  const label = (p: string) => p.toLowerCase().replace("_", " ");
  return (
    <details className="phase-picker">
      <summary>Phase: {selected.length === 0 ? "any" : selected.map(label).join(", ")}</summary>
      <fieldset>
        <legend className="sr-only">Phases to show</legend>
        {EXECUTION_PHASES.map((p) => (
          <label key={p}>
            <input type="checkbox" checked={chosen.has(p)} onChange={() => toggle(p)} /> {label(p)}
          </label>
        ))}
        <button type="button" onClick={() => apply([])} disabled={selected.length === 0}>
          Any phase
        </button>
      </fieldset>
    </details>
  );
}
