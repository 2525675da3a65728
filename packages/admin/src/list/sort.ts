// Sort parameters of list RPCs (upstream flyteadmin/pkg/common/sorting.go): the key must be a column of the primary entity.
import { invalidArgument } from "@aloft/core";
import { Sort_Direction, type Sort } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { ENTITIES, type PrimaryEntity } from "./entities.ts";

export interface SortOrder {
  table: string;
  column: string;
  direction: "asc" | "desc";
}

/** `undefined` (no sort_by on the wire) gives no order; a present Sort must name a column (an empty key is an error). */
export function parseSort(sort: Sort | undefined, primary: PrimaryEntity): SortOrder | undefined {
  if (sort === undefined) return undefined;
  const info = ENTITIES[primary];
  if (!info.columns.has(sort.key)) throw invalidArgument("sort.invalid_key", `invalid sort key '${sort.key}'`);
  switch (sort.direction) {
    case Sort_Direction.DESCENDING:
      return { table: info.table, column: sort.key, direction: "desc" };
    case Sort_Direction.ASCENDING:
      return { table: info.table, column: sort.key, direction: "asc" };
    default:
      throw invalidArgument(
        "sort.invalid_direction",
        `invalid sort order specified: key:${JSON.stringify(sort.key)} direction:${sort.direction}`,
      );
  }
}
