import assert from "node:assert/strict";
import { test } from "node:test";
import { position, spanLength, timelineRows } from "./timeline.ts";
import type { Span } from "./types.ts";

const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString();
const T0 = Date.parse(at(0));

test("the span tree becomes workflow, node and attempt rows with their operations as segments", () => {
  const span: Span = {
    workflow_id: { project: "p", domain: "d", name: "run1" },
    start_time: at(0),
    end_time: at(10),
    spans: [
      { operation_id: "WORKFLOW_SETUP", start_time: at(0), end_time: at(1) },
      {
        node_id: { node_id: "n0" },
        start_time: at(1),
        end_time: at(9),
        spans: [
          { operation_id: "NODE_SETUP", start_time: at(1), end_time: at(2) },
          {
            task_id: { retry_attempt: 1, node_execution_id: { node_id: "n0" } },
            start_time: at(2),
            end_time: at(9),
            spans: [{ operation_id: "TASK_RUNTIME", start_time: at(3), end_time: at(9) }],
          },
        ],
      },
      // Not started yet: no times, no row.
      { node_id: { node_id: "n1" }, spans: [] },
    ],
  };
  const t = timelineRows(span, T0 + 60_000);
  assert.deepEqual(
    t.rows.map((r) => [r.kind, r.label, r.depth, r.nodeId, r.segments.map((s) => s.operation)]),
    [
      ["workflow", "run1", 0, "", ["WORKFLOW_SETUP"]],
      ["node", "n0", 1, "n0", ["NODE_SETUP"]],
      ["attempt", "attempt 2", 2, "n0", ["TASK_RUNTIME"]],
    ],
  );
  assert.equal(t.start, T0);
  assert.equal(t.end, T0 + 10_000);
  assert.equal(position(T0 + 5_000, t), 50);
  assert.equal(position(T0 + 99_000, t), 100);
});

test("open spans end now; no spans is an empty timeline; lengths read as people say them", () => {
  const t = timelineRows({ node_id: { node_id: "a" }, start_time: at(0), end_time: null }, T0 + 2_000);
  assert.equal(t.rows[0]?.end, T0 + 2_000);
  assert.deepEqual(timelineRows(undefined, 0), { rows: [], start: 0, end: 0 });
  assert.equal(position(5, { rows: [], start: 0, end: 0 }), 0);
  assert.equal(spanLength(850), "850 ms");
  assert.equal(spanLength(12_340), "12.3 s");
  assert.equal(spanLength(245_000), "4 min 5 s");
});
