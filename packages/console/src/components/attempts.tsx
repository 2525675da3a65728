// A task node's attempts (ListTaskExecutions): phase, duration, error, and each attempt's logs. Logs admin serves
// itself are read into the page as text (their tail, then what is written since, while the attempt runs); others are
// links.
import { useEffect, useState } from "react";
import type { ApiError } from "../api.ts";
import { LogFollower, servedLogPath } from "../logs.ts";
import { isTerminal } from "../phases.ts";
import type { TaskExecution } from "../types.ts";
import { asApiError, ErrorBox, formatDuration, Loading, PhaseBadge, useAsync, useNav } from "./common.tsx";

export function Attempts(props: { project: string; domain: string; name: string; nodeId: string; phase: string }) {
  const { api } = useNav();
  const attempts = useAsync(
    () => api.taskExecutions(props.project, props.domain, props.name, props.nodeId),
    `${props.nodeId}/${props.phase}`,
  );
  if (attempts.error) return <ErrorBox error={attempts.error} />;
  if (!attempts.data) return <Loading />;
  if (attempts.data.length === 0) return null;
  return (
    <section aria-label="Attempts">
      <h3>Attempts</h3>
      {attempts.data.map((t) => (
        <Attempt key={t.id.retry_attempt ?? 0} attempt={t} />
      ))}
    </section>
  );
}

function Attempt({ attempt }: { attempt: TaskExecution }) {
  const n = (attempt.id.retry_attempt ?? 0) + 1;
  const c = attempt.closure;
  const logs = c?.logs ?? [];
  const resources = c?.metadata?.external_resources ?? [];
  return (
    <div className="attempt">
      <p>
        Attempt {n} <PhaseBadge phase={c?.phase} /> {formatDuration(c?.duration)}
        {c?.reason && <span className="muted"> · {c.reason}</span>}
      </p>
      {c?.error && (
        <div className="error" role="alert">
          <strong>{c.error.code}</strong>
          <pre>{c.error.message}</pre>
        </div>
      )}
      {resources.length > 0 && <p className="muted">{resources.length} sub-tasks</p>}
      {logs.length === 0 && <p className="muted">No logs for this attempt.</p>}
      {logs.map((log, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: an attempt's logs are a fixed list
        <LogEntry key={i} name={log.name || "log"} uri={log.uri ?? ""} attempt={n} running={!isTerminal(c?.phase)} />
      ))}
    </div>
  );
}

function LogEntry(props: { name: string; uri: string; attempt: number; running: boolean }) {
  const path = servedLogPath(props.uri);
  const [open, setOpen] = useState(false);
  if (!path)
    return (
      <p>
        <a href={props.uri} target="_blank" rel="noreferrer">
          {props.name}
        </a>
      </p>
    );
  return (
    <div>
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? "Hide" : "Show"} {props.name} (attempt {props.attempt})
      </button>
      {open && <LogText path={path} running={props.running} label={`${props.name}, attempt ${props.attempt}`} />}
    </div>
  );
}

/**
 * The log's text: its tail first (at most LOG_TAIL_CHARS, so a log of many megabytes stays light), then, while the
 * attempt runs, only the bytes written since the last read, every two seconds; one last read when the attempt ends.
 * The whole log is a download.
 */
function LogText(props: { path: string; running: boolean; label: string }) {
  const { api } = useNav();
  const [follower] = useState(() => new LogFollower());
  const [text, setText] = useState<string>();
  const [error, setError] = useState<ApiError>();
  const [round, setRound] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `round` asks for the next read of the log
  useEffect(() => {
    const abort = new AbortController();
    let timer: number | undefined;
    api.logRange(props.path, follower.nextRange(), abort.signal).then(
      (read) => {
        if (abort.signal.aborted) return;
        follower.add(read);
        setText(follower.text);
        setError(undefined);
        if (props.running) timer = window.setTimeout(() => setRound((r) => r + 1), 2000);
      },
      (err: unknown) => !abort.signal.aborted && setError(asApiError(err)),
    );
    return () => {
      abort.abort();
      window.clearTimeout(timer);
    };
  }, [api, props.path, props.running, round]);
  return (
    <>
      {error && <ErrorBox error={error} />}
      {text === undefined && !error ? (
        <Loading />
      ) : (
        <>
          <p className="muted">
            {follower.dropped && "Showing the end of a long log. "}
            <a href={props.path} download={`${props.path.split("/").at(-1)}.log`}>
              Download the full log
            </a>
          </p>
          <pre className="log" role="log" aria-label={props.label}>
            {text === "" ? "(empty)" : text}
          </pre>
        </>
      )}
    </>
  );
}
