// The gates an execution waits at: approve gates get Approve and Reject, signal gates a field of the signal's type
// (launch-form.ts converts the text); signals already set are listed with their value.
import { type FormEvent, useState } from "react";
import type { ApiError } from "../api.ts";
import { fieldKind, textToLiteral } from "../launch-form.ts";
import { literalSummary, literalView, typeLabel } from "../literals.ts";
import type { Literal, Signal } from "../types.ts";
import { asApiError, ErrorBox, useNav } from "./common.tsx";

export function Signals(props: {
  project: string;
  domain: string;
  name: string;
  signals: Signal[];
  /** The execution has finished: nothing waits any more, unset signals are only listed. */
  finished: boolean;
  changed(): void;
}) {
  if (props.signals.length === 0) return null;
  const waiting = props.finished ? [] : props.signals.filter((s) => !s.value);
  const unset = props.finished ? props.signals.filter((s) => !s.value) : [];
  const set = props.signals.filter((s) => s.value);
  return (
    <section aria-label="Signals" className="signals">
      <h2>{waiting.length > 0 ? "Waiting for input" : "Signals"}</h2>
      {waiting.map((s) => (
        <SignalInput key={s.id.signal_id} {...props} signal={s} />
      ))}
      {set.length + unset.length > 0 && (
        <ul className="rows">
          {set.map((s) => (
            <li key={s.id.signal_id}>
              <code>{s.id.signal_id}</code> = {literalSummary(literalView(s.value))}
            </li>
          ))}
          {unset.map((s) => (
            <li key={s.id.signal_id}>
              <code>{s.id.signal_id}</code> <span className="muted">never set</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function SignalInput(props: { project: string; domain: string; name: string; signal: Signal; changed(): void }) {
  const { api } = useNav();
  const id = props.signal.id.signal_id;
  const type = props.signal.type ?? { simple: "BOOLEAN" };
  const [text, setText] = useState("");
  const [problem, setProblem] = useState<string>();
  const [failure, setFailure] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const send = async (value: Literal) => {
    setBusy(true);
    setFailure(undefined);
    try {
      await api.setSignal(props.project, props.domain, props.name, id, value);
      props.changed();
    } catch (err) {
      setFailure(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    const r = textToLiteral(type, text);
    if (!r.ok || !r.literal) {
      setProblem(r.ok ? "a value is needed" : r.error);
      return;
    }
    setProblem(undefined);
    void send(r.literal);
  };
  const bool = (b: boolean): Literal => ({ scalar: { primitive: { boolean: b } } });
  if (fieldKind(type) === "bool")
    return (
      <div className="actions">
        <code>{id}</code>
        <button
          type="button"
          className="primary"
          disabled={busy}
          onClick={() => void send(bool(true))}
          aria-label={`Approve ${id}`}
        >
          Approve
        </button>
        <button type="button" disabled={busy} onClick={() => void send(bool(false))} aria-label={`Reject ${id}`}>
          Reject
        </button>
        {failure && <ErrorBox error={failure} />}
      </div>
    );
  const inputId = `signal-${id}`;
  return (
    <form className="actions" onSubmit={submit} aria-label={`Signal ${id}`} noValidate>
      <label htmlFor={inputId}>
        <code>{id}</code> <span className="type">{typeLabel(type)}</span>
      </label>
      <input
        id={inputId}
        type="text"
        value={text}
        onChange={(ev) => setText(ev.target.value)}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${inputId}-error` : undefined}
        spellCheck={false}
      />
      <button type="submit" disabled={busy}>
        Set {id}
      </button>
      {problem && (
        <small id={`${inputId}-error`} className="error-text" role="alert">
          {problem}
        </small>
      )}
      {failure && <ErrorBox error={failure} />}
    </form>
  );
}
