import assert from "node:assert/strict";
import { test } from "node:test";
import { nextNodeRow, position, spanLength, timelineRows } from "./timeline.ts";
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

test("keys move between node rows only, skipping workflow and attempt rows", () => {
  const row = (kind: "workflow" | "node" | "attempt", i: number) => ({
    key: `${kind}${i}`,
    label: `${kind}${i}`,
    kind,
    depth: 0,
    nodeId: kind === "workflow" ? "" : `n${i}`,
    start: 0,
    end: 1,
    segments: [],
  });
  // 0 workflow, 1 node, 2 attempt, 3 node, 4 attempt, 5 attempt, 6 node
  const rows = [
    row("workflow", 0),
    row("node", 1),
    row("attempt", 2),
    row("node", 3),
    row("attempt", 4),
    row("attempt", 5),
    row("node", 6),
  ];
  assert.equal(nextNodeRow(rows, 1, "ArrowDown"), 3);
  assert.equal(nextNodeRow(rows, 3, "ArrowDown"), 6);
  assert.equal(nextNodeRow(rows, 6, "ArrowDown"), undefined);
  assert.equal(nextNodeRow(rows, 6, "ArrowUp"), 3);
  assert.equal(nextNodeRow(rows, 1, "ArrowUp"), undefined);
  assert.equal(nextNodeRow(rows, 3, "Home"), 1);
  assert.equal(nextNodeRow(rows, 1, "End"), 6);
  assert.equal(nextNodeRow(rows, 1, "PageDown", 3), 6);
  assert.equal(nextNodeRow(rows, 6, "PageUp", 4), 1);
  assert.equal(nextNodeRow(rows, 1, "PageDown", 100), 6);
  assert.equal(nextNodeRow(rows, 3, "Enter"), undefined);
});

test("thousands of rows: the time scale is computed without spreading them as arguments", () => {
  const spans: Span[] = Array.from({ length: 200_000 }, (_, i) => ({
    node_id: { node_id: `n${i}` },
    start_time: at(1 + (i % 50)),
    end_time: at(2 + (i % 50)),
  }));
  const t = timelineRows({ workflow_id: { project: "p", domain: "d", name: "r" }, start_time: at(0), spans }, T0);
  assert.equal(t.rows.length, 200_001);
  assert.equal(t.start, T0);
  assert.equal(t.end, Date.parse(at(51)));
});
