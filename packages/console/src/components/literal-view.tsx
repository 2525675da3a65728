// A literal map (inputs or outputs) rendered by type: values with their type, lists and maps nested, files as URIs,
// errors in red.
import { type LiteralView, literalView } from "../literals.ts";
import type { LiteralMap } from "../types.ts";

export function LiteralMapView({ map, empty }: { map: LiteralMap | null | undefined; empty: string }) {
  const entries = Object.entries(map?.literals ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  if (entries.length === 0) return <p className="muted">{empty}</p>;
  return (
    <dl className="literals">
      {entries.map(([name, lit]) => (
        <div key={name} className="literal-row">
          <dt>{name}</dt>
          <dd>
            <ViewOf v={literalView(lit)} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

function ViewOf({ v }: { v: LiteralView }) {
  switch (v.kind) {
    case "value":
      return (
        <span>
          <code>{v.text}</code> <span className="type">{v.type}</span>
        </span>
      );
    case "none":
      return <span className="muted">none</span>;
    case "list":
      return v.items.length === 0 ? (
        <span className="muted">empty list</span>
      ) : (
        <ol className="nested" start={0}>
          {v.items.map((item, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: list items have no identity but their position
            <li key={i}>
              <ViewOf v={item} />
            </li>
          ))}
        </ol>
      );
    case "map":
      return (
        <dl className="nested">
          {v.entries.map(([k, item]) => (
            <div key={k} className="literal-row">
              <dt>{k}</dt>
              <dd>
                <ViewOf v={item} />
              </dd>
            </div>
          ))}
        </dl>
      );
    case "uri":
      return (
        <span>
          <code>{v.uri}</code> <span className="type">{v.type}</span>
        </span>
      );
    case "error":
      return (
        <span className="error-text">
          {v.node ? `${v.node}: ` : ""}
          {v.message}
        </span>
      );
    case "json":
    case "unknown":
      return <pre className="json">{v.text}</pre>;
  }
}
