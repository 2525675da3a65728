import { test } from "node:test";
import assert from "node:assert/strict";
import type { NodeStatus, WorkflowStatus } from "../executor/status.ts";
import { encodeStatusDelta, encodeStoredStatus as encodeBytes } from "./status-json.ts";

const encodeStoredStatus = (status: WorkflowStatus, version: number) => encodeBytes(status, version).toString();

const plain = (status: WorkflowStatus, version: number) => JSON.stringify({ status, version });

function sample(): WorkflowStatus {
  const subNodes: Record<string, NodeStatus> = {
    "start-node": { phase: "Succeeded", stoppedAt: 1 },
    a: { phase: "Running", attempts: 1, task: { phase: "Running", version: 2, state: { pid: 7, 'quote"d': "é\n" } } },
  };
  const arrayChildren: Record<string, NodeStatus> = {};
  for (let i = 0; i < 5; i++) {
    arrayChildren[`n${i}`] = i < 3 ? { phase: "Succeeded", stoppedAt: i } : { phase: "Queued", queuedAt: i };
  }
  return {
    phase: "Running",
    startedAt: 10,
    stoppedAt: undefined,
    lastUpdatedAt: 12,
    failedAttempts: 0,
    nodes: {
      "start-node": { phase: "Succeeded", stoppedAt: 11 },
      "0": { phase: "Succeeded", attempts: 2 },
      n0: { phase: "Failed", error: { code: "E", message: "boom \u2028", kind: "USER" }, stoppedAt: 3 },
      n1: { phase: "Running", message: undefined, sub: { phase: "Running" }, children: subNodes },
      n2: {
        phase: "Running",
        array: { size: 5, phase: "Executing", version: 1, next: 5, active: [3, 4], succeeded: 3, failed: 0 },
        children: arrayChildren,
      },
      n3: { phase: "NotYetStarted" },
    },
    failureNode: { phase: "NotYetStarted" },
  };
}

test("the status document encodes byte for byte as JSON.stringify, before and after caching", () => {
  const s = sample();
  assert.equal(encodeStoredStatus(s, 7), plain(s, 7));
  // Again: finished node statuses now come from the cache.
  assert.equal(encodeStoredStatus(s, 8), plain(s, 8));
  assert.deepEqual(JSON.parse(encodeStoredStatus(s, 8)), JSON.parse(plain(s, 8)));
  assert.equal(
    encodeStoredStatus({ phase: "Ready", failedAttempts: 0, nodes: {} }, 1),
    plain({ phase: "Ready", failedAttempts: 0, nodes: {} }, 1),
  );
});

test("a node replaced by a new status object is encoded anew; finished statuses are reused by identity", () => {
  const s = sample();
  encodeStoredStatus(s, 1);
  // A round's copy: the top-level map is copied, a moved node's status replaced (copy on write), the rest shared.
  const next: WorkflowStatus = { ...s, nodes: { ...s.nodes } };
  next.nodes["n3"] = { phase: "Succeeded", stoppedAt: 20 };
  const arrayNode = next.nodes["n2"]!;
  next.nodes["n2"] = { ...arrayNode, children: { ...arrayNode.children, n3: { phase: "Succeeded", stoppedAt: 21 } } };
  next.phase = "Succeeding";
  assert.equal(encodeStoredStatus(next, 2), plain(next, 2));
  // Moving (unfinished) statuses are never cached: a change in place still shows.
  const running = next.nodes["n1"]!.children!["a"]!;
  running.task!.version = 3;
  assert.equal(encodeStoredStatus(next, 3), plain(next, 3));
  assert.match(encodeStoredStatus(next, 3), /"version":3,"state"/);
});

test("maps of hundreds of nodes: cached blocks of finished entries are reused only while the same statuses fill them", () => {
  const nodes: Record<string, NodeStatus> = {};
  for (let i = 0; i < 300; i++) nodes[i % 7 === 0 ? `nœud-${i}` : `n${i}`] = { phase: "Succeeded", stoppedAt: i };
  nodes["n299"] = { phase: "Running", task: { phase: "Running", version: 0 } };
  let s: WorkflowStatus = { phase: "Running", failedAttempts: 0, nodes };
  assert.equal(encodeStoredStatus(s, 1), plain(s, 1));
  assert.equal(encodeStoredStatus(s, 2), plain(s, 2));
  const rounds: ((n: Record<string, NodeStatus>) => void)[] = [
    (n) => void (n["n100"] = { phase: "Failed", stoppedAt: 1 }), // a status inside a cached block replaced
    (n) => void (n["n301"] = { phase: "Succeeded" }), // appended
    (n) => void delete n["n1"], // every later block shifts
    (n) => void (n["5"] = { phase: "Skipped" }), // an integer-like id sorts first: every block shifts
    (n) => void (n["n2"] = undefined as unknown as NodeStatus), // omitted, as JSON.stringify omits it
  ];
  for (const change of rounds) {
    s = { ...s, nodes: { ...s.nodes } };
    change(s.nodes);
    assert.equal(encodeStoredStatus(s, 3), plain(s, 3));
    assert.equal(encodeStoredStatus(s, 4), plain(s, 4));
  }
  const big: WorkflowStatus = { phase: "Running", failedAttempts: 0, nodes: {} };
  big.nodes["arr"] = {
    phase: "Running",
    array: { size: 200, phase: "Executing", version: 0 },
    children: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`n${i}`, { phase: "Succeeded" as const }])),
  };
  assert.equal(encodeStoredStatus(big, 1), plain(big, 1));
  assert.equal(encodeStoredStatus(big, 1), plain(big, 1));
});

test("a status log line is JSON.stringify's of the version, the status' fields but nodes, and the given nodes", () => {
  const status = sample();
  encodeStoredStatus(status, 1); // finished statuses cached
  for (const ids of [[], ["0", "n1", "n2"], ["n0", "gone"]]) {
    const line = encodeStatusDelta(status, 7, ids).toString();
    const { nodes, ...fields } = status;
    const n = Object.fromEntries(ids.filter((id) => id in nodes).map((id) => [id, nodes[id]]));
    assert.equal(line, `${JSON.stringify({ v: 7, s: fields, n })}\n`);
  }
});
