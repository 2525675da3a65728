// What the flytekit compatibility suite runs: one row per launch plan of the `aloft_compat` package (in
// ./workflows), with its inputs and the outputs FlyteRemote must read back (as plain JSON: dataclasses as objects).
// To cover a new workflow: add it under workflows/aloft_compat/, then a row here.

export interface FlytekitCase {
  /** Launch plan name (flytekit names the default launch plan after the workflow: `<module>.<function>`). */
  launchPlan: string;
  inputs?: Record<string, unknown>;
  /** Expected phase (upstream's enum name, as flytekit prints it). Default SUCCEEDED. */
  phase?: string;
  /** Expected outputs by name; checked when the phase is SUCCEEDED. */
  outputs?: Record<string, unknown>;
  /** A substring of the error message, for cases expected to fail. */
  error?: string;
}

export const FLYTEKIT_CASES: FlytekitCase[] = [
  { launchPlan: "aloft_compat.basics.chain", inputs: { a: 5, b: 6 }, outputs: { o0: 121 } },
  { launchPlan: "aloft_compat.basics.mixed", outputs: { o0: "4:x,y:3.5" } },
  { launchPlan: "aloft_compat.basics.points", outputs: { o0: { x: 11, y: 12 } } },
  // A user error reaches FlyteRemote with flytekit's own message (and the Python exception) intact.
  { launchPlan: "aloft_compat.basics.fails", phase: "FAILED", error: "ValueError: boom with 7" },
  // map_task (array nodes): every element gets the array node's inputs file and its index (FLYTE_K8S_ARRAY_INDEX).
  { launchPlan: "aloft_compat.map_tasks.squares", inputs: { xs: [1, 2, 3] }, outputs: { o0: [1, 4, 9] } },
  { launchPlan: "aloft_compat.map_tasks.scaled", inputs: { xs: [1, 2, 3], factor: 10 }, outputs: { o0: [10, 20, 30] } },
  { launchPlan: "aloft_compat.map_tasks.tolerant", inputs: { xs: [1, 2, 3, 4, 5, 6, 7, 8] }, outputs: { o0: [2, 3, 4, null, 6, 7, 8, null] } },
  { launchPlan: "aloft_compat.map_tasks.squares_by_launch_plan", inputs: { xs: [1, 2, 3] }, outputs: { o0: [1, 4, 9] } },
  // A conditional whose chosen node reads the output of a top-level sibling.
  { launchPlan: "aloft_compat.conditionals.branch_reads_sibling", inputs: { a: 5 }, outputs: { o0: 11 } },
  // FlyteFile and FlyteDirectory from one task to the next.
  { launchPlan: "aloft_compat.files.file_roundtrip", inputs: { text: "hello" }, outputs: { o0: "hello" } },
  { launchPlan: "aloft_compat.files.dir_roundtrip", inputs: { n: 4 }, outputs: { o0: 6 } },
];

/** `pyflyte run --remote --wait <file> <workflow> <args…>`: fast-registers the file's code and runs it. */
export const PYFLYTE_RUN = {
  file: "aloft_compat/basics.py",
  workflow: "chain",
  args: ["--a", "2", "--b", "1"],
  /** The launch plan `pyflyte run` registers, and its expected outputs. */
  outputs: { o0: 9 },
};
