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
];

/** `pyflyte run --remote --wait <file> <workflow> <args…>`: fast-registers the file's code and runs it. */
export const PYFLYTE_RUN = {
  file: "aloft_compat/basics.py",
  workflow: "chain",
  args: ["--a", "2", "--b", "1"],
  /** The launch plan `pyflyte run` registers, and its expected outputs. */
  outputs: { o0: 9 },
};
