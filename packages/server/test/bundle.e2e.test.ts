// The bundle the `aloft` bin runs the server verbs from (scripts/bundle-server.mjs): made into a scratch directory here
// from the compiled output, it starts, finds every file its workspace modules read relative to themselves, and the bin
// sends exactly the server commands to it, while it is up to date.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { get as httpGet } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
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
  // Each workspace file's import.meta.url is its dist file's, relative to the bundle directory (chunks sit flat in
  // it): a copy of the tree (the image's layout) reads its own files, so no absolute path of this checkout is baked in.
  const moduleUrl = /new URL\("([^"]+)", import\.meta\.url\)/g;
  const base = pathToFileURL(join(outdir, "main.mjs"));
  const urls = [...text.matchAll(moduleUrl)].map((m) => new URL(m[1]!, base));
  assert.ok(urls.length >= 3, `only ${urls.length} module-relative URLs`);
  for (const u of urls)
    if (!u.pathname.includes("/console/dist")) assert.ok(existsSync(u), `${u.href} (bundled) does not exist`);
  assert.ok(!text.includes(pathToFileURL(root).href), "the bundle names this checkout's absolute path");
  // What remains is the banner's createRequire (one per chunk) and worker-pool's import.meta.resolve("tsx").
  const left = text
    .split("\n")
    .map((l) => l.replace(moduleUrl, ""))
    .filter((l) => l.includes("import.meta") && !l.includes("createRequire as __aloft"));
  assert.deepEqual(
    left.map((l) => l.trim()),
    ['tsx = import.meta.resolve("tsx");'],
  );
});

/** One GET on its own connection (agent: false): keep-alive sockets of fetch can hold the server's shutdown past its
 * 10 s limit when several requests went over them (seen with dist/main.js as with the bundle). */
const getText = (url: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    httpGet(url, { agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        body += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    }).on("error", reject);
  });

test("aloft start from the bundle: migrates a fresh data dir, answers, reports the package version", async () => {
  const child = spawn(
    process.execPath,
    [join(outdir, "main.mjs"), "start", "--data-dir", dataDir, "--http-port", "0", "--grpc-port", "0"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
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
    assert.equal((await getText(`http://127.0.0.1:${http}/healthcheck`)).status, 200);
    const ver = JSON.parse((await getText(`http://127.0.0.1:${http}/api/v1/version`)).body) as {
      controlPlaneVersion?: { Version?: string };
    };
    const pkg = JSON.parse(readFileSync(join(server, "package.json"), "utf8")) as { version: string };
    assert.equal(ver.controlPlaneVersion?.Version, pkg.version);
    const projects = JSON.parse((await getText(`http://127.0.0.1:${http}/api/v1/projects`)).body) as {
      projects: Array<{ id: string }>;
    };
    assert.deepEqual(
      projects.projects.map((p) => p.id),
      ["flytesnacks"],
    );
    // The console's assets are found from the bundle as from dist (or the page that says they are not built).
    const consoleBuilt = existsSync(join(root, "packages/console/dist/index.html"));
    const page = (await getText(`http://127.0.0.1:${http}/console/`)).body;
    assert.match(page, consoleBuilt ? /<div id="root">|<script type="module"/ : /console is not built/);
  } finally {
    const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    await exit;
  }
  assert.equal(child.exitCode, 0, err);
});

test("the bin runs the bundle for a server verb only while it is newer than every bundled package's build", () => {
  // A stand-in checkout: the real bin, a dist/main.js and a bundle that say which one ran, one .tsbuildinfo.
  const fake = mkdtempSync(join(tmpdir(), "aloft-bin-"));
  try {
    const at = (p: string) => join(fake, "packages", p);
    for (const d of ["server/bin", "server/dist/bundle", "core/dist"]) mkdirSync(at(d), { recursive: true });
    copyFileSync(join(server, "bin/aloft.mjs"), at("server/bin/aloft.mjs"));
    writeFileSync(at("server/dist/main.js"), 'console.log("dist");\n');
    writeFileSync(at("server/dist/bundle/main.mjs"), 'console.log("bundle");\n');
    writeFileSync(at("core/dist/.tsbuildinfo"), "{}");
    const setTimes = (p: string, s: number) => utimesSync(at(p), s, s);
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [at("server/bin/aloft.mjs"), ...args], {
        encoding: "utf8",
        env: { ...process.env, ALOFT_LOGGING__LEVEL: "debug" },
      });
    setTimes("core/dist/.tsbuildinfo", 1_000_000);
    setTimes("server/dist/bundle/main.mjs", 2_000_000);
    assert.equal(run("start").stdout, "bundle\n");
    assert.equal(run("webhook", "init-certs").stdout, "bundle\n");
    assert.equal(run("get", "projects").stdout, "dist\n"); // a client verb
    setTimes("core/dist/.tsbuildinfo", 3_000_000); // a bare `tsc -b` since the bundle was made
    const stale = run("start");
    assert.equal(stale.stdout, "dist\n");
    assert.match(
      stale.stderr,
      /bundle is older than packages\/core\/dist \(run `npm run build`\): running dist\/main\.js/,
    );
    rmSync(at("server/dist/bundle"), { recursive: true });
    assert.match(run("start").stderr, /bundle is missing/);
  } finally {
    rmSync(fake, { recursive: true, force: true });
  }
});
