// The node handlers reach the executor only through the node-executor port (node-executor-port.ts): no file under
// nodes/ imports dag-executor.ts, and the engine's source files import each other without a cycle (before the port,
// 13 files formed one). Reads the imports of every non-test source file, type-only and dynamic ones included.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const SRC = resolve(import.meta.dirname, "..");
const DAG_EXECUTOR = join(SRC, "executor", "dag-executor.ts");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [p] : [];
  });
}

/** File → the engine files it imports (relative specifiers only: other packages cannot close a cycle in here). */
function importGraph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(f, "utf8"), true, true);
    const targets = importedFiles
      .map((i) => i.fileName)
      .filter((s) => s.startsWith("."))
      .map((s) => resolve(dirname(f), s))
      .filter((p) => known.has(p));
    graph.set(f, targets);
  }
  return graph;
}

/** One import cycle (as a path of files, first = last), or undefined. */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (f: string): string[] | undefined => {
    state.set(f, "open");
    path.push(f);
    for (const t of graph.get(f) ?? []) {
      if (state.get(t) === "open") return [...path.slice(path.indexOf(t)), t];
      if (state.get(t) === undefined) {
        const c = visit(t);
        if (c) return c;
      }
    }
    path.pop();
    state.set(f, "done");
    return undefined;
  };
  for (const f of [...graph.keys()].sort()) {
    if (state.get(f) === undefined) {
      const c = visit(f);
      if (c) return c;
    }
  }
  return undefined;
}

const graph = importGraph(sourceFiles(SRC));
const rel = (p: string) => relative(SRC, p);

test("the graph is read: dag-executor imports the node handler registry", () => {
  assert.ok(graph.get(DAG_EXECUTOR)?.includes(join(SRC, "nodes", "registry.ts")));
});

test("no file under nodes/ imports the executor (dag-executor.ts)", () => {
  const offenders = [...graph]
    .filter(([f, targets]) => rel(f).startsWith("nodes/") && targets.includes(DAG_EXECUTOR))
    .map(([f]) => rel(f));
  assert.deepEqual(offenders, []);
});

test("the engine's source files import each other without a cycle", () => {
  const cycle = findCycle(graph);
  assert.equal(cycle?.map(rel).join(" → "), undefined);
});

test("findCycle finds a cycle through the executor when a handler imports it", () => {
  const g = new Map([
    ["executor/dag-executor.ts", ["nodes/registry.ts"]],
    ["nodes/registry.ts", ["nodes/branch-handler.ts"]],
    ["nodes/branch-handler.ts", ["executor/dag-executor.ts"]],
  ]);
  assert.deepEqual(findCycle(g), [
    "executor/dag-executor.ts",
    "nodes/registry.ts",
    "nodes/branch-handler.ts",
    "executor/dag-executor.ts",
  ]);
  g.set("nodes/branch-handler.ts", []);
  assert.equal(findCycle(g), undefined);
});
