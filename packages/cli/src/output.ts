// Output formats shared by every command: an aligned table, JSON or YAML.
import { stringify } from "yaml";
import { invalidArgument } from "@aloft/core";

export type OutputFormat = "table" | "json" | "yaml";

export function parseFormat(v: string): OutputFormat {
  if (v === "table" || v === "json" || v === "yaml") return v;
  throw invalidArgument("cli.output", `unknown output format ${JSON.stringify(v)} (use table, json or yaml)`);
}

export function renderTable(columns: string[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...rows.map(line)].join("\n");
}

export function render(format: OutputFormat, columns: string[], rows: string[][], data: unknown): string {
  if (format === "json") return JSON.stringify(data, null, 2);
  if (format === "yaml") return stringify(data).trimEnd();
  return renderTable(columns, rows);
}
