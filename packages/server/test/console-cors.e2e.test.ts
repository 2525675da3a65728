// The real flyteconsole (../shared/clients/flyteconsole) on another origin, in Debian's chromium, against a started
// platform: with its origin in server.allowedOrigins it lists the projects (CORS echoed with credentials); without,
// the browser gets nothing (the default: same origin only). Skipped, loudly, where chromium or the console is missing.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { after, test } from "node:test";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";

const consoleDir =
  process.env.ALOFT_FLYTECONSOLE_DIR ?? new URL("../../../../shared/clients/flyteconsole", import.meta.url).pathname;
const chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
const missing = !chromium
  ? "chromium is not installed (apt-get install -y chromium)"
  : !existsSync(`${consoleDir}/dist/server.js`)
    ? `no flyteconsole build at ${consoleDir}`
    : false;
// Under CI (.ci/run installs chromium) a missing browser or console is a failure, never a skip counted as a pass.
if (missing && process.env.CI === "true")
  test("flyteconsole and chromium are present under CI", () => assert.fail(missing));

const children: ChildProcess[] = [];
const platforms: TestPlatform[] = [];
after(async () => {
  for (const c of children) c.kill("SIGKILL");
  for (const p of platforms) await p.close();
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function startConsole(port: number, adminUrl: string): Promise<void> {
  const child = spawn(process.execPath, [`${consoleDir}/dist/server.js`], {
    cwd: consoleDir,
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), BASE_URL: "/console", ADMIN_API_URL: adminUrl },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => ((out += d.toString()), /ready/i.test(out) && resolve()));
    child.once("exit", (code) => reject(new Error(`console exited ${code}: ${out}`)));
  });
}

/** The page's DOM after its scripts ran (and its API calls were answered or refused). Async: the platform runs in this process. */
function renderedDom(url: string): Promise<string> {
  const child = spawn(
    chromium!,
    ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=20000", "--dump-dom", url],
    {
      stdio: ["ignore", "pipe", "ignore"],
    },
  );
  children.push(child);
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.once("exit", () => (clearTimeout(timer), resolve(out))));
}

test("flyteconsole on another origin lists projects only when its origin is allowed", {
  skip: missing,
  timeout: 300_000,
}, async () => {
  const consolePort = await freePort();
  const origin = `http://localhost:${consolePort}`;
  const allowed = await startTestPlatform({ overrides: { server: { allowedOrigins: [origin] } } });
  platforms.push(allowed);
  await startConsole(consolePort, `http://localhost:${allowed.admin.httpPort}`);
  assert.match(await renderedDom(`${origin}/console`), /flytesnacks description/);

  // The same console against a default platform: the browser refuses every response, no project shows.
  const otherPort = await freePort();
  const closed = await startTestPlatform();
  platforms.push(closed);
  await startConsole(otherPort, `http://localhost:${closed.admin.httpPort}`);
  assert.doesNotMatch(await renderedDom(`http://localhost:${otherPort}/console`), /flytesnacks description/);
});
