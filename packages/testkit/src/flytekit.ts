// The real flytekit as a test client (shared/clients/flytekit beside the repository; ALOFT_FLYTEKIT_DIR overrides):
// registers the `aloft_compat` package of the compatibility suite (packages/server/test/flytekit/workflows) with
// `pyflyte register --copy none` and runs its workflows through FlyteRemote (packages/testkit/flytekit/run_remote.py). The engine's task processes find `pyflyte-execute` and the workflow modules through
// `taskEnvironment()`, which the caller puts into the environment the engine's processes inherit.
// Without python3 and flytekit the suites skip loudly; under CI=true that is a failure (a skipped suite proves nothing).
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The directory holding the Python package `aloft_compat` (the compatibility suite's workflows). */
export const FLYTEKIT_WORKFLOWS_ROOT = fileURLToPath(new URL("../../server/test/flytekit/workflows", import.meta.url));
export const FLYTEKIT_PACKAGE = "aloft_compat";
/** The FlyteRemote driver. */
const RUN_REMOTE = fileURLToPath(new URL("../flytekit/run_remote.py", import.meta.url));
const DEFAULT_FLYTEKIT_DIR = fileURLToPath(new URL("../../../../shared/clients/flytekit", import.meta.url));

export interface Flytekit {
  /** The bundle: `bin/` (pyflyte, pyflyte-execute…) and `site/` (flytekit and its pure-Python dependencies). */
  dir: string;
  /** PATH and PYTHONPATH for task processes: flytekit's entry points and the workflow modules. */
  taskEnvironment(): Record<string, string>;
}

/** The flytekit bundle, or the reason it cannot be used (a loud skip reason; thrown under CI=true). */
export function findFlytekit(env: NodeJS.ProcessEnv = process.env): Flytekit | { skip: string } {
  const dir = env["ALOFT_FLYTEKIT_DIR"] ?? DEFAULT_FLYTEKIT_DIR;
  let reason: string | undefined;
  if (!existsSync(join(dir, "bin", "pyflyte"))) reason = `flytekit not found at ${dir} (set ALOFT_FLYTEKIT_DIR)`;
  else {
    const probe = spawnSync("/usr/bin/python3", ["-c", "import flytekit"], {
      env: { ...env, PYTHONPATH: join(dir, "site") },
      encoding: "utf8",
    });
    if (probe.status !== 0) {
      const why = probe.error?.message ?? probe.stderr.trim().split("\n").at(-1) ?? "";
      reason = `python3 cannot import flytekit from ${dir}: ${why} (install the Debian packages its debian-packages.txt lists)`;
    }
  }
  if (reason === undefined) {
    return {
      dir,
      taskEnvironment: () => ({
        PATH: `${join(dir, "bin")}${delimiter}${env["PATH"] ?? ""}`,
        PYTHONPATH: FLYTEKIT_WORKFLOWS_ROOT,
        PYTHON_KEYRING_BACKEND: "keyring.backends.null.Keyring",
      }),
    };
  }
  if (env["CI"]) throw new Error(`CI requires flytekit for the flytekit suites: ${reason}`);
  process.stderr.write(
    `\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n` +
      `!!! WARNING: ${reason}\n!!! The flytekit suites are SKIPPED.\n` +
      `!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n`,
  );
  return { skip: reason };
}

/** Writes a flytekit config file for an admin at `grpcAddress` (host:port, insecure). */
export async function writeFlytekitConfig(path: string, grpcAddress: string): Promise<string> {
  await writeFile(path, `admin:\n  endpoint: dns:///${grpcAddress}\n  insecure: true\n`);
  return path;
}

export interface Run {
  command: string[];
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a flytekit command (`pyflyte`, or a script under /usr/bin/python3) with the bundle on the paths. */
export function runFlytekit(
  fk: Flytekit,
  command: string[],
  opts: { cwd?: string; input?: string } = {},
): Promise<Run> {
  const [exe, ...args] = command;
  const bin = exe === "python3" ? "/usr/bin/python3" : join(fk.dir, "bin", exe!);
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      cwd: opts.cwd ?? FLYTEKIT_WORKFLOWS_ROOT,
      env: {
        ...process.env,
        ...fk.taskEnvironment(),
        PYTHONPATH: `${join(fk.dir, "site")}${delimiter}${FLYTEKIT_WORKFLOWS_ROOT}`,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ command, code, stdout, stderr }));
    child.stdin.end(opts.input ?? "");
  });
}

/** pyflyte's arguments for `register --copy none` of `target` (a module or package) with config file `config`. */
export function pyflyteRegisterArgs(
  config: string,
  version: string,
  target: string,
  project = "flytesnacks",
  domain = "development",
): string[] {
  return [
    "-c",
    config,
    "register",
    "--copy",
    "none",
    "--project",
    project,
    "--domain",
    domain,
    "--version",
    version,
    "--image",
    "any:tag",
    target,
  ];
}

/** `pyflyte register --copy none` of the `aloft_compat` package (no code upload: the task processes import it). */
export async function registerWorkflows(
  fk: Flytekit,
  config: string,
  version: string,
  project = "flytesnacks",
  domain = "development",
) {
  const r = await runFlytekit(fk, [
    "pyflyte",
    ...pyflyteRegisterArgs(config, version, FLYTEKIT_PACKAGE, project, domain),
  ]);
  if (r.code !== 0) throw new Error(`pyflyte register failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

export interface RemoteCase {
  workflow: string;
  inputs?: Record<string, unknown>;
  /** Seconds to wait for the execution (default 240). */
  timeout?: number;
  /** Also sync the node executions (their deck URIs are reported). */
  nodes?: boolean;
}

export interface RemoteResult {
  workflow: string;
  execution: string;
  phase: string;
  outputs?: Record<string, unknown>;
  error?: string;
  /** With `nodes`: deck URI by node id. */
  decks?: Record<string, string>;
}

/** Launches every case through FlyteRemote at once, waits for all, and returns their phases and outputs in order. */
export async function runRemote(
  fk: Flytekit,
  config: string,
  version: string,
  cases: RemoteCase[],
  project = "flytesnacks",
  domain = "development",
) {
  const r = await runFlytekit(fk, ["python3", RUN_REMOTE, config, project, domain, version], {
    input: JSON.stringify(cases),
  });
  if (r.code !== 0) throw new Error(`run_remote.py failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as RemoteResult);
}
