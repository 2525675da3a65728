// What the flytekit compatibility suite runs: one row per launch plan of the `aloft_compat` package (in
// ./workflows), with its inputs and the outputs FlyteRemote must read back (as plain JSON: dataclasses as objects).
// To cover a new workflow: add it under workflows/aloft_compat/, then a row here. A launch plan may have several rows
// (results are matched by position). Caching, gates and recovery need more than one call: remote_checks.py's Features.

export interface FlytekitCase {
  /** Launch plan name (flytekit names the default launch plan after the workflow: `<module>.<function>`). */
  launchPlan: string;
  inputs?: Record<string, unknown>;
  /** Expected phase (upstream's enum name, as flytekit prints it). Default SUCCEEDED. */
  phase?: string;
  /** Expected outputs by name; checked when the phase is SUCCEEDED. */
  outputs?: Record<string, unknown>;
  /** A substring of the error message (or a pattern it matches), for cases expected to fail. */
  error?: string | RegExp;
  /**
   * Run on PostgreSQL as well as on SQLite. Only cases whose storage differs by database need it (child executions,
   * dynamic nodes, failures, retries); the rest exercise the engine and flytekit, which the SQLite run covers.
   */
  postgres?: true;
}

const ALL_CASES: FlytekitCase[] = [
  { launchPlan: "aloft_compat.basics.chain", inputs: { a: 5, b: 6 }, outputs: { o0: 121 }, postgres: true },
  { launchPlan: "aloft_compat.basics.mixed", outputs: { o0: "4:x,y:3.5" } },
  { launchPlan: "aloft_compat.basics.points", outputs: { o0: { x: 11, y: 12 } } },
  // A user error reaches FlyteRemote with flytekit's own message (and the Python exception) intact.
  { launchPlan: "aloft_compat.basics.fails", phase: "FAILED", error: "ValueError: boom with 7", postgres: true },
  // map_task (array nodes), a branch reading a sibling, FlyteFile and FlyteDirectory run in flytekit-engine.e2e (through
  // FlyteRemote too): not again here.
  // Types: a nested dataclass (with Optional, list and dict fields), an enum, Optional, Union, Dict[str, int],
  // List[List[int]], as defaults and as FlyteRemote inputs (None for the Optional, the str side of the Union).
  // (An enum input cannot be given as a plain string: FlyteRemote's guessed enum type refuses it, client-side.)
  {
    launchPlan: "aloft_compat.types.dataclasses_nested",
    outputs: { o0: { item: { name: "bolt", qty: 3, tags: ["m3", "restocked"], size: 2.5 }, counts: { a: 3 } } },
  },
  {
    launchPlan: "aloft_compat.types.typed_shapes",
    outputs: { o0: "green", o1: 8, o2: 42, o3: { a: 10, b: 20 }, o4: [[2, 1], [3]] },
  },
  {
    launchPlan: "aloft_compat.types.typed_shapes",
    inputs: { maybe: null, either: "abc", counts: { z: 3 }, grid: [[], [5, 6, 7]] },
    outputs: { o0: "green", o1: null, o2: "ABC", o3: { z: 30 }, o4: [[], [7, 6, 5]] },
  },
  // Composition: @dynamic fan-out (1³+2³+3³+4³), a sub-workflow and a launch-plan node side by side.
  { launchPlan: "aloft_compat.composition.dynamic_fan_out", outputs: { o0: 100 }, postgres: true },
  { launchPlan: "aloft_compat.composition.sub_and_launch_plan", outputs: { o0: 8, o1: 27 }, postgres: true },
  // retries=2: attempt 0 raises FlyteRecoverableException, attempt 1 returns its attempt number.
  { launchPlan: "aloft_compat.resilience.retried", outputs: { o0: 1 }, postgres: true },
  // timeout=1s on a task sleeping 30s: FAILED with upstream's message.
  // Both of upstream's timeout texts are right: the attempt's execution deadline (timeout) usually fires first, but a
  // round that comes late on a loaded machine finds the node's active deadline (2 × timeout, from queuedAt) passed too,
  // and that check comes first, as in propeller.
  {
    launchPlan: "aloft_compat.resilience.timed_out",
    phase: "FAILED",
    error: /\[1\/1\] currentAttempt done\. Last Error: USER::task execution timeout \[1s\] expired|Timeout in node/,
  },
];

/** The cases of one database's run (results are matched by position). */
export function flytekitCases(database: "sqlite" | "postgres"): FlytekitCase[] {
  return database === "sqlite" ? ALL_CASES : ALL_CASES.filter((c) => c.postgres);
}

/** `pyflyte run --remote --wait <file> <workflow> <args…>`: fast-registers the file's code and runs it. */
export const PYFLYTE_RUN = {
  file: "aloft_compat/basics.py",
  workflow: "chain",
  args: ["--a", "2", "--b", "1"],
  /** The launch plan `pyflyte run` registers, and its expected outputs. */
  outputs: { o0: 9 },
};
