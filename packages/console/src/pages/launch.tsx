// The launch form: one field per input of the launch plan or task (launch-form.ts decides the kind and converts the text),
// messages next to the fields, then CreateExecution and the new run's page.
import { type FormEvent, type ReactNode, useState } from "react";
import type { ApiError } from "../api.ts";
import { asApiError, ErrorBox, Loading, useAsync, useNav } from "../components/common.tsx";
import { type FieldSpec, formFields, formToInputs, taskParameters } from "../launch-form.ts";
import type { Route } from "../routes.ts";
import type { Parameter } from "../types.ts";

export function LaunchPage({ route }: { route: Extract<Route, { page: "launch" }> }) {
  const { api, navigate } = useNav();
  const { kind, project, domain, name, version } = route;
  const target = useAsync<Record<string, Parameter>>(async () => {
    const id = { project, domain, name, version };
    if (kind === "tasks") return taskParameters((await api.task(id)).closure?.compiled_task?.template?.interface);
    const lp = await api.launchPlan(id);
    return lp.closure?.expected_inputs?.parameters ?? lp.spec?.default_inputs?.parameters ?? {};
  }, `${kind}/${project}/${domain}/${name}/${version}`);
  const [values, setValues] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const fields = formFields(target.data);

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const { literals, errors: problems } = formToInputs(fields, values);
    setErrors(problems);
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    setFailure(undefined);
    try {
      const r = await api.launch({ project, domain, name, version }, literals, kind);
      navigate({ page: "execution", project, domain, name: r.id?.name ?? "" });
    } catch (err) {
      setFailure(asApiError(err));
      setBusy(false);
    }
  };

  return (
    <section>
      <h1>
        Launch{" "}
        <span className="muted">
          {name} @ {version}
        </span>
      </h1>
      {target.error && <ErrorBox error={target.error} />}
      {!target.data && !target.error && <Loading />}
      {target.data && (
        <form className="launch" onSubmit={submit} noValidate aria-label={`Launch ${name}`}>
          {fields.length === 0 && (
            <p className="muted">This {kind === "tasks" ? "task" : "launch plan"} takes no inputs.</p>
          )}
          {fields.map((f) => (
            <Field
              key={f.name}
              field={f}
              value={values[f.name] ?? f.initial}
              error={errors[f.name]}
              onChange={(v) => setValues((old) => ({ ...old, [f.name]: v }))}
            />
          ))}
          {failure && <ErrorBox error={failure} />}
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Launching…" : "Launch"}
          </button>
        </form>
      )}
    </section>
  );
}

const HINTS: Record<string, string> = {
  int: "a whole number",
  float: "a number",
  datetime: "e.g. 2025-01-31T12:00:00Z (UTC when no zone is given)",
  duration: "e.g. 90s, 1h30m, 250ms",
  uri: "a URI, e.g. s3://bucket/key",
  json: "JSON",
};

function Field(props: { field: FieldSpec; value: string; error: string | undefined; onChange(v: string): void }) {
  const { field: f } = props;
  const id = `input-${f.name}`;
  const hintId = `${id}-hint`;
  const errId = `${id}-error`;
  const described = [hintId, props.error ? errId : ""].filter(Boolean).join(" ");
  const common = {
    id,
    name: f.name,
    "aria-describedby": described,
    "aria-invalid": props.error ? true : undefined,
    "aria-required": f.required || undefined,
  };
  let input: ReactNode;
  if (f.kind === "bool") {
    input = (
      <input
        {...common}
        type="checkbox"
        checked={props.value === "true"}
        onChange={(ev) => props.onChange(String(ev.target.checked))}
      />
    );
  } else if (f.kind === "enum") {
    input = (
      <select {...common} value={props.value} onChange={(ev) => props.onChange(ev.target.value)}>
        {!f.required && <option value="">(default)</option>}
        {f.required && props.value === "" && <option value="">choose…</option>}
        {f.enumValues.map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
    );
  } else if (f.kind === "json") {
    input = (
      <textarea
        {...common}
        rows={4}
        spellCheck={false}
        value={props.value}
        onChange={(ev) => props.onChange(ev.target.value)}
      />
    );
  } else {
    input = (
      <input
        {...common}
        type="text"
        inputMode={f.kind === "int" ? "numeric" : f.kind === "float" ? "decimal" : undefined}
        value={props.value}
        onChange={(ev) => props.onChange(ev.target.value)}
        spellCheck={false}
      />
    );
  }
  return (
    <div className={`field${props.error ? " invalid" : ""}`}>
      <label htmlFor={id}>
        {f.name} <span className="type">{f.typeLabel}</span>
        {f.required && <span className="required"> required</span>}
      </label>
      {input}
      <small id={hintId} className="muted">
        {[f.description, HINTS[f.kind]].filter(Boolean).join(" · ")}
      </small>
      {props.error && (
        <small id={errId} className="error-text" role="alert">
          {props.error}
        </small>
      )}
    </div>
  );
}
