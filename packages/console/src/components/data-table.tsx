// The one table markup of the console: a caption, column headers and one row per item (versions, interfaces,
// entity names, schedules, node lists). Pages say what the columns are; the markup and the empty state live here.
import type { ReactNode } from "react";

export interface Column<T> {
  header: string;
  cell(row: T): ReactNode;
  /** Shown to screen readers only (e.g. a column of buttons). */
  hiddenHeader?: boolean;
}

export function DataTable<T>(props: {
  rows: readonly T[];
  columns: readonly (Column<T> | false | undefined)[];
  rowKey(row: T): string;
  caption?: string;
  empty?: string;
  selected?: (row: T) => boolean;
  label?: string;
}) {
  const columns = props.columns.filter((c): c is Column<T> => Boolean(c));
  if (props.rows.length === 0 && props.empty !== undefined) return <p className="muted">{props.empty}</p>;
  return (
    <table className="table" aria-label={props.label}>
      {props.caption && <caption>{props.caption}</caption>}
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.header} scope="col">
              {c.hiddenHeader ? <span className="sr-only">{c.header}</span> : c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => (
          <tr key={props.rowKey(row)} className={props.selected?.(row) ? "selected" : undefined}>
            {columns.map((c) => (
              <td key={c.header}>{c.cell(row)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
