// The bundle the `aloft` bin runs the server verbs from (scripts/bundle-server.mjs): made into a scratch directory here
// from the compiled output, it starts, finds every file its workspace modules read relative to themselves, and the bin
// sends exactly the server commands to it.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { serverCommands } from "../src/server-commands.ts";

const server = fileURLToPath(new URL("..", import.meta.url));
const root = join(server, "../..");
// Under packages/server, so that the packages left external resolve from it as from dist/bundle.
const outdir = join(server, "dist", `.bundle-test-${process.pid}`);
const dataDir = mkdtempSync(join(tmpdir(), "aloft-bundle-"));

before(() => {
  const r = spawnSync(process.execPath, [join(root, "scripts/bundle-server.mjs"), "--outdir", outdir], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
});
after(() => {
  rmSync(outdir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

const bundleText = () =>
  readdirSync(outdir)
    .filter((f) => f.endsWith(".mjs"))
    .map((f) => readFileSync(join(outdir, f), "utf8"))
    .join("\n");

test("the bin's server verbs are the server commands", () => {
  const bin = readFileSync(join(server, "bin/aloft.mjs"), "utf8");
  const list = bin.match(/const SERVER_VERBS = \[([^\]]*)\]/)?.[1];
  assert.ok(list, "SERVER_VERBS not found in bin/aloft.mjs");
  const verbs = [...list.matchAll(/"([a-z]+)"/g)].map((m) => m[1]);
  assert.deepEqual(
    verbs.sort(),
    serverCommands()
      .map((c) => c.name())
      .sort(),
  );
});

test("every module-relative file of the bundled workspace code exists, and no other import.meta.url is left", () => {
  const text = bundleText();
  const urls = [...text.matchAll(/new URL\("([^"]+)", "(file:[^"]+)"\)/g)].map((m) => new URL(m[1]!, m[2]!));
  assert.ok(urls.length >= 3, `only ${urls.length} module-relative URLs`);
  for (const u of urls)
    if (!u.pathname.includes("/console/dist")) assert.ok(existsSync(u), `${u.href} (bundled) does not exist`);
  // What remains is the banner's createRequire (one per chunk) and worker-pool's import.meta.resolve("tsx").
  const left = text.split("\n").filter((l) => l.includes("import.meta") && !l.includes("createRequire as __aloft"));
  assert.deepEqual(
    left.map((l) => l.trim()),
    ['tsx = import.meta.resolve("tsx");'],
  );
});

test("aloft start from the bundle: migrates a fresh data dir, answers, reports the package version", async () => {
  const child = spawn(
    process.execPath,
    [join(outdir, "main.mjs"), "start", "--data-dir", dataDir, "--http-port", "0", "--grpc-port", "0"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  const http = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 30_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = out.match(/HTTP\s+http:\/\/[^:]+:(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  try {
    assert.equal((await fetch(`http://127.0.0.1:${http}/healthcheck`)).status, 200);
    const ver = (await (await fetch(`http://127.0.0.1:${http}/api/v1/version`)).json()) as {
      controlPlaneVersion?: { Version?: string };
    };
    const pkg = JSON.parse(readFileSync(join(server, "package.json"), "utf8")) as { version: string };
    assert.equal(ver.controlPlaneVersion?.Version, pkg.version);
    const projects = (await (await fetch(`http://127.0.0.1:${http}/api/v1/projects`)).json()) as {
      projects: Array<{ id: string }>;
    };
    assert.deepEqual(
      projects.projects.map((p) => p.id),
      ["flytesnacks"],
    );
    // The console's assets are found from the bundle as from dist (or the page that says they are not built).
    const consoleBuilt = existsSync(join(root, "packages/console/dist/index.html"));
    const page = await (await fetch(`http://127.0.0.1:${http}/console/`)).text();
    assert.match(page, consoleBuilt ? /<div id="root">|<script type="module"/ : /console is not built/);
  } finally {
    const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    assert.equal(await exit, 0);
  }
});
