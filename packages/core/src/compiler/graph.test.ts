import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CompileErrors } from "./errors.ts";
import { detectCycle, validateReachable } from "./graph.ts";

const graph = (edges: Record<string, string[]>) => new Map(Object.entries(edges).map(([k, v]) => [k, new Set(v)]));

describe("graph checks", () => {
  it("finds no cycle in a DAG and visits everything reachable", () => {
    const g = graph({ "start-node": ["a", "b"], a: ["c"], b: ["c"], c: ["end-node"] });
    const r = detectCycle("start-node", (id) => g.get(id) ?? []);
    assert.equal(r.cycle, undefined);
    assert.deepEqual([...r.visited].sort(), ["a", "b", "c", "end-node", "start-node"]);
  });

  it("reports the first cycle as a path from the start node, neighbours in sorted order", () => {
    const g = graph({ "start-node": ["b", "a"], a: ["x"], x: ["a"], b: ["y"], y: ["b"] });
    assert.deepEqual(detectCycle("start-node", (id) => g.get(id) ?? []).cycle, ["start-node", "a", "x", "a"]);
  });

  it("does not report a diamond as a cycle", () => {
    const g = graph({ "start-node": ["a", "b"], a: ["d"], b: ["d"], d: [] });
    assert.equal(detectCycle("start-node", (id) => g.get(id) ?? []).cycle, undefined);
  });

  it("lists unreachable nodes (never the end node) sorted", () => {
    const errs = CompileErrors.root();
    const ok = validateReachable(["start-node", "end-node", "z", "a", "m"], graph({ "start-node": ["m"] }), errs);
    assert.equal(ok, false);
    assert.deepEqual(
      errs.list().map((e) => e.description),
      ["The Workflow contain unreachable nodes [a,z]."],
    );
  });

  it("an unreached end node alone is not an error", () => {
    const errs = CompileErrors.root();
    assert.equal(validateReachable(["start-node", "end-node", "a"], graph({ "start-node": ["a"] }), errs), true);
  });
});
