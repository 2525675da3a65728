// `--filter`, `--limit`, `--sort-by`, `--asc` for list commands. A filter is admin's grammar (`eq(phase,RUNNING)+…`)
// or flytectl's field selector (`phase=RUNNING,name!=x`), translated here.
import type { Command } from "commander";
import { create } from "@bufbuild/protobuf";
import { SortSchema, Sort_Direction, type Sort } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { invalidArgument } from "@aloft/core";

export interface ListFlags {
  filter?: string;
  limit?: string;
  sortBy?: string;
  asc?: boolean;
}

export function listOptions(cmd: Command): Command {
  return cmd
    .option("--filter <filter>", "admin filter, e.g. 'eq(phase,RUNNING)' or a field selector 'phase=RUNNING,name!=x'")
    .option("--limit <n>", "at most this many items", "100")
    .option("--sort-by <column>", "sort by this column (descending unless --asc)")
    .option("--asc", "ascending order");
}

const SELECTOR = /^([A-Za-z_][\w.]*)\s*(!=|>=|<=|=|>|<)\s*(.*)$/;
const OPS: Record<string, string> = { "=": "eq", "!=": "ne", ">": "gt", "<": "lt", ">=": "gte", "<=": "lte" };

export function toAdminFilter(f: string | undefined): string {
  if (!f) return "";
  if (f.includes("(")) return f;
  return f
    .split(",")
    .map((part) => {
      const m = SELECTOR.exec(part.trim());
      if (!m)
        throw invalidArgument(
          "cli.filter",
          `--filter ${JSON.stringify(part)}: expected field=value, field!=value, field>value, …`,
        );
      return `${OPS[m[2]!]}(${m[1]},${m[3]})`;
    })
    .join("+");
}

export function listParams(
  flags: ListFlags,
  defaultSort?: string,
): { filters: string; sortBy: Sort | undefined; max: number } {
  const max = Number(flags.limit ?? "100");
  if (!Number.isInteger(max) || max <= 0)
    throw invalidArgument("cli.limit", `--limit ${JSON.stringify(flags.limit)}: expected a positive integer`);
  const key = flags.sortBy ?? defaultSort;
  const sortBy = key
    ? create(SortSchema, { key, direction: flags.asc ? Sort_Direction.ASCENDING : Sort_Direction.DESCENDING })
    : undefined;
  return { filters: toAdminFilter(flags.filter), sortBy, max };
}
