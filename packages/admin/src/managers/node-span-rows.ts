// The node executions GetExecutionMetrics read last, per execution and parent, so that the next read decodes only the
// rows that changed: a running execution of thousands of nodes changes a few rows between two reads, and decoding every
// closure and metadata again was most of what a read cost after the query. A row counts as unchanged when every
// column the span tree uses is the same, byte for byte. Rows of legacy events (event_version 0) are not kept: whether
// such a node has children is read with them, and may change without the row changing.
import type { NodeExecution } from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import type { NodeExecutionSpanRow } from "../repositories/node-execution-repo.ts";
import { BoundedCache } from "./immutable-messages.ts";

interface Kept {
  row: NodeExecutionSpanRow;
  ne: NodeExecution;
}

/** One read of one scope: what the previous read decoded, and what this one keeps for the next. */
export interface SpanRowsRead {
  /** The node execution decoded from an identical row by the previous read (shared: never to be changed). */
  known(row: NodeExecutionSpanRow): NodeExecution | undefined;
  keep(row: NodeExecutionSpanRow, ne: NodeExecution): void;
  /** The read completed: what it kept replaces what the previous read kept. */
  done(): void;
}

export class SpanRowMemo {
  private readonly scopes: BoundedCache<Map<number, Kept>>;

  /** `maxRows`: rows kept over all scopes (least recently read scopes go first). */
  constructor(maxRows: number) {
    this.scopes = new BoundedCache(maxRows);
  }

  read(scope: string): SpanRowsRead {
    const previous = this.scopes.get(scope);
    const next = new Map<number, Kept>();
    return {
      known: (row) => {
        const kept = previous?.get(row.id);
        if (!kept || !sameRow(kept.row, row)) return undefined;
        next.set(row.id, kept);
        return kept.ne;
      },
      keep: (row, ne) => {
        if (row.event_version !== 0) next.set(row.id, { row, ne });
      },
      done: () => this.scopes.set(scope, next, next.size),
    };
  }
}

function sameRow(a: NodeExecutionSpanRow, b: NodeExecutionSpanRow): boolean {
  return (
    a.node_id === b.node_id &&
    a.event_version === b.event_version &&
    a.dynamic_workflow_remote_closure_reference === b.dynamic_workflow_remote_closure_reference &&
    sameBytes(a.closure, b.closure) &&
    sameBytes(a.node_execution_metadata, b.node_execution_metadata)
  );
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return Buffer.compare(a, b) === 0;
}
