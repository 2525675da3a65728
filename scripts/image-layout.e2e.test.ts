// The server image without docker: scripts/image-layout.mjs (what the Dockerfile's build stage runs) writes the layout
// into a temporary /opt/aloft, production dependencies are installed beside it as the Dockerfile's deps stage does
// (offline, from the npm cache: not the checkout's node_modules, whose @aloft links lead back into the checkout), and
// every server command is started from there under Node's permission model, standing in for a read-only root
// filesystem: reads only in the layout, the data directory, /tmp, the system's bin directories and /proc; writes only
// in the data directory and /tmp. A file the code finds through import.meta.url that the layout lacks, or a path that
// leads back into the checkout, fails here. docs/kubernetes.md, "The server image".
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, describe, test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { createKubeApi, type KubeApi, type KubeObject, resources } from "@aloft/kube";
import { eventually, startTestApiServer, type TestApiServer } from "@aloft/kube/testing";
import { trackingServerCrd } from "@aloft/operator";
import { intOf, launchOneTask } from "@aloft/testkit";

const root = join(import.meta.dirname, "..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const BUILD = "image-test";

let base = "";
let opt = ""; // /opt/aloft
let data = ""; // /var/lib/aloft
let tmp = ""; // /tmp

function walk(dir: string, skip: (name: string) => boolean = () => false): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (skip(e.name)) return [];
    const p = join(dir, e.name);
    return e.isDirectory() ? walk(p, skip) : [p];
  });
}

function workspaceDirs(): string[] {
  return readdirSync(join(root, "packages")).filter((d) => existsSync(join(root, "packages", d, "package.json")));
}

/**
 * The Dockerfile's deps stage: `npm ci --omit=dev --omit=optional --workspace @aloft/server` over the manifests alone
 * (offline, from the npm cache), its node_modules trees then moved under the layout as COPY --from=deps puts them.
 * better-sqlite3's install script (the image's `npm rebuild better-sqlite3`) would download or compile its binding:
 * the checkout's binding is copied instead (same version from the same lock, same Node).
 */
function installProductionDependencies(): void {
  const deps = join(base, "deps");
  mkdirSync(deps);
  for (const f of ["package.json", "package-lock.json"]) copyFileSync(join(root, f), join(deps, f));
  for (const d of workspaceDirs()) {
    mkdirSync(join(deps, "packages", d), { recursive: true });
    copyFileSync(join(root, "packages", d, "package.json"), join(deps, "packages", d, "package.json"));
  }
  execFileSync(
    npm,
    [
      "ci",
      "--omit=dev",
      "--omit=optional",
      "--ignore-scripts",
      "--offline",
      "--no-audit",
      "--no-fund",
      "--workspace",
      "@aloft/server",
    ],
    { cwd: deps, stdio: ["ignore", "pipe", "pipe"] },
  );
  renameSync(join(deps, "node_modules"), join(opt, "node_modules"));
  for (const d of workspaceDirs()) {
    const nested = join(deps, "packages", d, "node_modules");
    if (!existsSync(nested)) continue;
    mkdirSync(join(opt, "packages", d), { recursive: true });
    renameSync(nested, join(opt, "packages", d, "node_modules"));
  }
  const binding = join("node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node");
  mkdirSync(join(opt, binding, ".."), { recursive: true });
  copyFileSync(join(root, binding), join(opt, binding));
}

/** The image's PATH (node:*-bookworm-slim): the engine looks commands up there (task processes run `sh`). */
const SYSTEM_BIN = ["/usr/local/bin", "/usr/bin", "/bin"];
/** Read besides: those, and /proc (the engine finds its task processes there). None of it is the checkout. */
const SYSTEM_READS = [...SYSTEM_BIN, "/proc"];

/**
 * `node` with the image's constraints: reads in the layout, data, tmp, the system's bin directories and /proc only (not the
 * checkout); writes in data and tmp only.
 */
function nodeArgs(): string[] {
  return [...permissionFlags(), join(opt, "packages", "server", "bin", "aloft.mjs")];
}

function permissionFlags(): string[] {
  const permission = process.allowedNodeEnvironmentFlags.has("--permission")
    ? "--permission"
    : "--experimental-permission";
  return [
    "--no-warnings",
    permission,
    ...[opt, data, tmp, ...SYSTEM_READS].map((p) => `--allow-fs-read=${p}`),
    ...[data, tmp].map((p) => `--allow-fs-write=${p}`),
    "--allow-addons", // better-sqlite3
    "--allow-child-process", // task processes
    "--allow-worker",
  ];
}

function imageEnv(): NodeJS.ProcessEnv {
  return {
    PATH: SYSTEM_BIN.join(":"),
    HOME: data,
    TMPDIR: tmp,
    NODE_ENV: "production",
    ALOFT_BUILD: BUILD,
    ALOFT_DATA_DIR: data,
    ALOFT_LOGGING__LEVEL: "warn",
    ALOFT_ENGINE__POLL_INTERVAL_MS: "50",
  };
}

/** Runs `aloft <args>` from the layout to its end (not spawnSync: the test API server answers from this event loop). */
function aloft(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; out: string }> {
  const child = spawn(process.execPath, [...nodeArgs(), ...args], {
    cwd: opt,
    env: { ...imageEnv(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.once("close", (status) => resolve({ status, out })));
}

before(() => {
  base = mkdtempSync(join(tmpdir(), "aloft-image-"));
  opt = join(base, "opt", "aloft");
  data = join(base, "var", "lib", "aloft");
  tmp = join(base, "tmp");
  mkdirSync(data, { recursive: true });
  mkdirSync(tmp);
  execFileSync(process.execPath, [join(root, "scripts", "image-layout.mjs"), opt], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    installProductionDependencies();
  } catch (e) {
    // Offline on purpose (no registry in tests): the cache is filled by any `npm ci` of this checkout (CI's first step).
    const why = (e as { stderr?: Buffer }).stderr?.toString() ?? String(e);
    throw new Error(`the offline production install failed: is the npm cache filled (npm ci)?\n${why}`);
  }
});

after(async () => {
  await stopAll();
  rmSync(base, { recursive: true, force: true });
});

test("the Dockerfile keeps the contract: /opt/aloft, uid 10001, the aloft bin, the layout script, every manifest", () => {
  const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
  const runtime = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
  assert.match(runtime, /AS runtime\n/);
  assert.match(runtime, /^WORKDIR \/opt\/aloft$/m);
  assert.match(runtime, /^USER 10001:10001$/m);
  assert.match(runtime, /--uid 10001 --gid 10001/);
  assert.match(runtime, /^ENTRYPOINT \["node", "\/opt\/aloft\/packages\/server\/bin\/aloft\.mjs"\]$/m);
  assert.match(runtime, /^COPY --from=build \/layout\/ \.\/$/m);
  assert.match(dockerfile, /node scripts\/image-layout\.mjs \/layout/);
  // npm ci in the image sees exactly the workspaces of the lock: each manifest must be copied before it runs.
  for (const d of workspaceDirs()) {
    assert.match(dockerfile, new RegExp(`^COPY packages/${d}/package\\.json packages/${d}/$`, "m"), `${d} not copied`);
  }
  const ignored = readFileSync(join(root, ".dockerignore"), "utf8").split("\n");
  for (const p of ["**/node_modules", "**/dist", "packages/idl/gen", ".git"]) assert.ok(ignored.includes(p), p);
});

test("the layout holds compiled JavaScript only: no TypeScript, declarations, maps, tests, test kit or sources", () => {
  const files = walk(opt, (name) => name === "node_modules").map((f) => relative(opt, f));
  assert.ok(files.length > 100, `only ${files.length} files`);
  const bad = files.filter(
    (f) =>
      /\.([cm]?tsx?|map|tsbuildinfo)$/.test(f) ||
      /\.(test|spec)\./.test(f) ||
      /(^|\/)(src|test)\//.test(f) ||
      f.startsWith("packages/testkit/"),
  );
  assert.deepEqual(bad, []);
  // The console ships its built assets alone.
  assert.deepEqual(
    files.filter((f) => f.startsWith("packages/console/") && !f.startsWith("packages/console/dist/")),
    ["packages/console/package.json"],
  );
  for (const f of [
    "package.json",
    "package-lock.json",
    "packages/server/package.json",
    "packages/server/bin/aloft.mjs",
    "packages/server/dist/main.js",
    "packages/sdk/bin/aloft-execute.mjs",
    "packages/runner/dist/warm/worker-main.js",
    "packages/idl/gen/flyteidl/service/admin_pb.js",
    "packages/console/dist/index.html",
  ]) {
    assert.ok(files.includes(f), `${f} missing from the layout`);
  }
});

test("production dependencies only: no tsx, esbuild, TypeScript or other devDependencies", () => {
  for (const dev of ["tsx", "esbuild", "typescript", "@biomejs", "vite", "s3rver", "@grpc/grpc-js", "knip"]) {
    assert.equal(existsSync(join(opt, "node_modules", dev)), false, `${dev} installed`);
  }
  for (const prod of ["better-sqlite3", "pg", "@connectrpc/connect-node", "@aws-sdk/client-s3", "@aloft/server"]) {
    assert.ok(existsSync(join(opt, "node_modules", prod)), `${prod} missing`);
  }
});

test("the constraints hold: the checkout is unreadable, the layout unwritable", async () => {
  const probe = (code: string) =>
    new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [...permissionFlags(), "--input-type=module", "-e", code], {
        cwd: opt,
        env: imageEnv(),
        stdio: "ignore",
      });
      child.once("close", resolve);
    });
  const read = (p: string) => `import { readFileSync } from "node:fs"; readFileSync(${JSON.stringify(p)});`;
  const write = (p: string) => `import { writeFileSync } from "node:fs"; writeFileSync(${JSON.stringify(p)}, "x");`;
  assert.equal(await probe(read(join(opt, "package.json"))), 0);
  assert.notEqual(await probe(read(join(root, "package.json"))), 0, "the checkout is readable");
  assert.notEqual(await probe(write(join(opt, "probe"))), 0, "the layout is writable");
  assert.equal(await probe(write(join(data, "probe"))), 0);
  assert.equal(await probe(write(join(tmp, "probe"))), 0);
});

test("every server command loads from the layout (--help)", async () => {
  const commands = ["start", "admin", "engine", "scheduler", "webhook", "operator", "clusterresource", "migrate"];
  const results = await Promise.all(commands.map((cmd) => aloft([cmd, "--help"])));
  for (const [i, r] of results.entries()) {
    assert.equal(r.status, 0, `aloft ${commands[i]} --help: ${r.out}`);
    assert.match(r.out, new RegExp(`Usage: aloft ${commands[i]}`));
  }
  const r = await aloft(["migrate", "run"]);
  assert.equal(r.status, 0, `aloft migrate run: ${r.out}`);
  assert.ok(existsSync(join(data, "aloft.db")), "migrate run wrote no database in the data directory");
});

interface Running {
  child: ChildProcess;
  /** The match of the `ready` pattern in the process's output. */
  ready: RegExpMatchArray;
  /** Everything it wrote so far, for failure messages. */
  output(): string;
}

const running: ChildProcess[] = [];

/** Stops every process started so far (SIGTERM, as the kubelet does) and waits for each to exit. */
async function stopAll(): Promise<void> {
  const children = running.splice(0);
  await Promise.all(
    children.map(async (c) => {
      if (c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once("exit", r));
      c.kill("SIGTERM");
      await exited;
    }),
  );
}

/** Starts `aloft <args>` from the layout under the image's constraints; resolves once its output matches `ready`. */
function startAloft(args: string[], ready: RegExp, env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const child = spawn(process.execPath, [...nodeArgs(), ...args], {
    cwd: opt,
    env: { ...imageEnv(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(child);
  let out = "";
  return new Promise((resolve, reject) => {
    const seen = (d: Buffer) => {
      out += d.toString();
      const m = out.match(ready);
      if (m) resolve({ child, ready: m, output: () => out });
    };
    child.stdout!.on("data", seen);
    child.stderr!.on("data", seen);
    child.once("exit", (code) => reject(new Error(`aloft ${args.join(" ")} exited ${code}:\n${out}`)));
  });
}

const P = "flytesnacks";
const D = "development";
const TERMINAL = [WorkflowExecution_Phase.SUCCEEDED, WorkflowExecution_Phase.FAILED, WorkflowExecution_Phase.ABORTED];

/** Registers a one-task workflow (a shell task: x + 1), launches it with x = 41, waits and checks 42 came out. */
async function runIncrement(grpc: string, name: string, log: () => string): Promise<void> {
  const admin = createClient(AdminService, createGrpcTransport({ baseUrl: grpc }));
  const execId = await launchOneTask(admin, {
    project: P,
    domain: D,
    name,
    script: 'echo "$(( $(cat /var/inputs/a) + 1 ))" > /var/outputs/o',
    x: 41,
  });
  let ex = await admin.getExecution({ id: execId });
  for (let i = 0; i < 600 && !TERMINAL.includes(ex.closure!.phase); i++) {
    await new Promise((res) => setTimeout(res, 100));
    ex = await admin.getExecution({ id: execId });
  }
  const phase = WorkflowExecution_Phase[ex.closure!.phase];
  assert.equal(phase, "SUCCEEDED", `${JSON.stringify(ex.closure?.outputResult)}\nserver output:\n${log()}`);
  assert.equal(intOf((await admin.getExecutionData({ id: execId })).fullOutputs, "y"), 42);
}

test("with the image's ALOFT_SERVER__HOST=0.0.0.0 and authentication off, admin refuses to start (no opt-in)", async () => {
  const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
  assert.match(dockerfile, /^ {2}ALOFT_SERVER__HOST=0\.0\.0\.0$/m);
  const r = await aloft(["admin", "--http-port", "0", "--grpc-port", "0"], { ALOFT_SERVER__HOST: "0.0.0.0" });
  assert.equal(r.status, 2, r.out);
  assert.match(r.out, /refusing to listen on 0\.0\.0\.0 with authentication off/);
});

describe("aloft start from the layout", () => {
  let server: Running;
  let http = "";
  let grpc = "";

  before(async () => {
    server = await startAloft(
      ["start", "--http-port", "0", "--grpc-port", "0"],
      /gRPC\s+(\S+:\d+)[\s\S]*HTTP\s+(http:\/\/\S+?:\d+)\//,
    );
    grpc = `http://${server.ready[1]}`;
    http = server.ready[2]!;
  });

  test("/healthcheck, the HTTP API and GetVersion (version from the layout's package.json, build from ALOFT_BUILD)", async () => {
    assert.equal((await fetch(`${http}/healthcheck`)).status, 200);
    const projects = (await (await fetch(`${http}/api/v1/projects`)).json()) as { projects: { id: string }[] };
    assert.ok(projects.projects.some((p) => p.id === P));
    const admin = createClient(AdminService, createGrpcTransport({ baseUrl: grpc }));
    const v = await admin.getVersion({});
    const pkg = JSON.parse(readFileSync(join(opt, "packages", "server", "package.json"), "utf8")) as {
      version: string;
    };
    assert.equal(v.controlPlaneVersion?.Version, pkg.version);
    assert.equal(v.controlPlaneVersion?.Build, BUILD);
  });

  test("/console serves index.html and its assets", async () => {
    const page = await fetch(`${http}/console`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    const html = await page.text();
    const script = html.match(/src="(\/console\/assets\/[^"]+\.js)"/)?.[1];
    assert.ok(script, `no script asset in:\n${html}`);
    const asset = await fetch(`${http}${script}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get("content-type") ?? "", /javascript/);
    assert.ok((await asset.text()).length > 1000);
  });

  test("a workflow runs: task processes, logs and blobs in the data directory", async () => {
    await runIncrement(grpc, "image-start", server.output);
    assert.ok(existsSync(join(data, "blobs")), "no blobs in the data directory");
  });
});

describe("admin, engine and scheduler as separate processes from the layout (the Helm chart's Deployments)", () => {
  test("a workflow launched on admin runs on the engine; the scheduler comes up", async () => {
    // Their own data directory (the chart's: PostgreSQL and S3; here SQLite and local blobs shared by the three).
    const split = join(data, "split");
    const env = { ALOFT_DATA_DIR: split };
    const admin = await startAloft(
      ["admin", "--http-port", "0", "--grpc-port", "0"],
      /gRPC\s+(\S+:\d+)[\s\S]*HTTP\s+(http:\/\/\S+?:\d+)\//,
      env,
    );
    const [grpc, http] = [admin.ready[1]!, admin.ready[2]!];
    const engine = await startAloft(
      ["engine", "--admin-endpoint", grpc, "--admin-http-url", http, "--resync-ms", "100", "--metrics-port", "0"],
      /engine is up/,
      env,
    );
    await startAloft(["scheduler", "--admin-endpoint", grpc], /scheduler is up/, env);
    await runIncrement(`http://${grpc}`, "image-split", () => `${admin.output()}\n${engine.output()}`);
  });
});

describe("the Kubernetes commands from the layout (webhook, operator) against the test API server", () => {
  let kube: TestApiServer;
  let api: KubeApi;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    kube = await startTestApiServer({ bookmarkIntervalMs: 200 });
    api = createKubeApi(kube.kubeConfig(), { fieldManager: "aloft-image-test" });
    const kubeconfig = join(data, "kubeconfig");
    writeFileSync(kubeconfig, kube.kubeConfig().exportConfig());
    env = { KUBECONFIG: kubeconfig, POD_NAMESPACE: "default", ALOFT_LOGGING__LEVEL: "info" };
  });

  after(async () => {
    await stopAll();
    await kube.close();
  });

  test("webhook init-certs writes its Secret; the webhook serves TLS and registers its configuration", async () => {
    const init = await aloft(["webhook", "init-certs"], env);
    assert.equal(init.status, 0, init.out);
    assert.ok(await api.get(resources.secrets, "flyte-pod-webhook", { namespace: "default" }));
    const port = await freePort();
    await startAloft(["webhook", "--port", String(port), "--url", `https://127.0.0.1:${port}`], /webhook serving/, env);
    const config = await api.get(resources.mutatingWebhookConfigurations, "flyte-pod-webhook");
    assert.match(JSON.stringify(config), new RegExp(`https://127\\.0\\.0\\.1:${port}`));
  });

  test("the operator takes its lease and reports ready", async () => {
    await api.create(resources.customResourceDefinitions, trackingServerCrd as unknown as KubeObject);
    const port = await freePort();
    await startAloft(["operator", "--metrics-port", String(port)], /operator is up/, env);
    await eventually(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, "/readyz");
    // Ready comes first (a follower is ready too); the lease is taken a moment later.
    await eventually(async () => {
      const lease = (await api
        .get(resources.leases, "aloft-trackingserver-operator", { namespace: "default" })
        .catch(() => undefined)) as { spec?: { holderIdentity?: string } } | undefined;
      return lease?.spec?.holderIdentity;
    }, "a holder on the operator's lease");
  });
});

/** A port free a moment ago (the operator's health port and the webhook's cannot be 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
