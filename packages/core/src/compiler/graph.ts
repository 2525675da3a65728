// Graph checks over the downstream edges (upstream `utils.go` detectCycle, `workflow_compiler.go`
// validateReachable): a depth-first walk from the start node finds the first cycle, otherwise every node must
// have been reached.
import { compileErrors as E, type CompileErrors } from "./errors.ts";
import { END_NODE_ID, START_NODE_ID, compareStrings } from "./workflow-builder.ts";

export interface CycleSearch {
  /** The first cycle found, as a path from the start node (`start-node>a>b>a`), or undefined. */
  cycle: string[] | undefined;
  visited: Set<string>;
}

/** Neighbours are visited in sorted order so the reported cycle is deterministic (upstream's order is random). */
export function detectCycle(start: string, neighbors: (id: string) => Iterable<string>): CycleSearch {
  const visited = new Set<string>();
  const visiting = new Set<string>();
  const walk = (id: string): string[] | undefined => {
    if (visiting.has(id)) return [];
    visiting.add(id);
    visited.add(id);
    for (const next of [...neighbors(id)].sort(compareStrings)) {
      const path = walk(next);
      if (path) return [next, ...path];
    }
    visiting.delete(id);
    return undefined;
  };
  const path = walk(start);
  return { cycle: path ? [start, ...path] : undefined, visited };
}

/** Collects CycleDetected, or UnreachableNodes (sorted, comma-separated) when some node was never reached. */
export function validateReachable(
  nodeIds: Iterable<string>,
  downstream: Map<string, Set<string>>,
  errs: CompileErrors,
): boolean {
  const all = [...nodeIds];
  const search = detectCycle(START_NODE_ID, (id) => downstream.get(id) ?? []);
  if (search.cycle) {
    errs.collect(E.cycleDetected(START_NODE_ID, search.cycle.join(">")));
  } else if (search.visited.size !== all.length) {
    const unreachable = all.filter((id) => !search.visited.has(id) && id !== END_NODE_ID).sort(compareStrings);
    if (unreachable.length > 0) errs.collect(E.unreachableNodes(START_NODE_ID, unreachable.join(",")));
  }
  return !errs.hasErrors();
}
