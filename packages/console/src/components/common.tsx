// Small shared pieces: the router context and links, data loading with errors in plain words, phase badges.
import { createContext, type MouseEvent, type ReactNode, useCallback, useContext, useEffect, useState } from "react";
import { type Api, ApiError } from "../api.ts";
import { phaseTone } from "../phases.ts";
import { type Route, routeHref } from "../routes.ts";

export interface Nav {
  api: Api;
  navigate(to: Route | string, replace?: boolean): void;
}

export const NavContext = createContext<Nav | null>(null);

export function useNav(): Nav {
  const nav = useContext(NavContext);
  if (!nav) throw new Error("useNav outside the console's NavContext");
  return nav;
}

/** A link that changes the page through the History API (a new tab or a modified click works as a normal link). */
export function Link(props: { to: Route; children: ReactNode; className?: string; label?: string }) {
  const { navigate } = useNav();
  const href = routeHref(props.to);
  const onClick = (ev: MouseEvent<HTMLAnchorElement>) => {
    if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    navigate(props.to);
  };
  return (
    <a href={href} onClick={onClick} className={props.className} aria-label={props.label}>
      {props.children}
    </a>
  );
}

export interface AsyncState<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload(): void;
}

/** Runs `load` when `key` changes (and on reload()); keeps the last data while reloading (no flashing). */
export function useAsync<T>(load: () => Promise<T>, key: string): AsyncState<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` names what `load` depends on
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (err: unknown) => live && setState((s) => ({ ...s, error: asApiError(err), loading: false })),
    );
    return () => {
      live = false;
    };
  }, [key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export function asApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(0, err instanceof Error ? err.message : String(err));
}

/** An API error in plain words; when not signed in, the way to sign in and come back here. */
export function ErrorBox({ error }: { error: ApiError }) {
  const back = `${window.location.pathname}${window.location.search}`;
  return (
    <div className="error" role="alert">
      <p>{error.message}</p>
      {error.status === 401 && (
        <p>
          <a href={`/login?redirect_url=${encodeURIComponent(back)}`}>Sign in</a> to continue.
        </p>
      )}
    </div>
  );
}

export function Loading() {
  return (
    <p className="muted" aria-live="polite">
      Loading…
    </p>
  );
}

export function PhaseBadge({ phase }: { phase: string | undefined }) {
  const p = phase && phase !== "UNDEFINED" ? phase : "NOT STARTED";
  return <span className={`phase tone-${phaseTone(phase)}`}>{p.replace("_", " ")}</span>;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function formatDuration(d: string | null | undefined): string {
  if (!d) return "";
  const s = Number.parseFloat(d);
  if (!Number.isFinite(s)) return d;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
