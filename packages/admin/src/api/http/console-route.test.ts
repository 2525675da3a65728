// /console through the real gateway: the built app's files with their cache headers and the console's security
// headers, index.html for client-side routes, 404 for a missing hashed asset, no escape from the directory, and a
// plain explanatory page when the console is not built.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CONSOLE_CSP, createConsoleRoute } from "./console-route.ts";
import { startTestServer, type TestServer } from "./gateway-test-kit.ts";

const dir = mkdtempSync(join(tmpdir(), "aloft-console-route-"));
mkdirSync(join(dir, "assets"));
writeFileSync(join(dir, "index.html"), "<!doctype html><title>app</title>");
writeFileSync(join(dir, "assets", "index-abc123.js"), "console.log(1)");
writeFileSync(join(dir, "favicon.svg"), "<svg/>");
writeFileSync(join(tmpdir(), "aloft-console-secret.txt"), "secret");

let srv: TestServer;
let bare: TestServer;
before(async () => {
  const route = createConsoleRoute(dir);
  srv = await startTestServer({ extraRoutes: { "/console": route, "/console/": route } });
  const missing = createConsoleRoute(join(dir, "not-built"));
  bare = await startTestServer({ extraRoutes: { "/console": missing, "/console/": missing } });
});
after(async () => {
  await srv.close();
  await bare.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the console route", () => {
  test("/console and client-side routes answer index.html, never cached, with the security headers", async () => {
    for (const path of ["/console", "/console/", "/console/projects/p/domains/d/executions?phase=FAILED"]) {
      const r = await srv.request({ path });
      assert.equal(r.status, 200, path);
      assert.equal(r.body.toString(), "<!doctype html><title>app</title>");
      assert.equal(r.headers["content-type"], "text/html; charset=utf-8");
      assert.equal(r.headers["cache-control"], "no-cache");
      assert.equal(r.headers["content-security-policy"], CONSOLE_CSP);
      assert.equal(r.headers["x-content-type-options"], "nosniff");
    }
    assert.match(CONSOLE_CSP, /script-src 'self'(;|$)/);
    assert.match(CONSOLE_CSP, /frame-ancestors 'none'/);
  });

  test("hashed assets are immutable; other files are revalidated; a missing asset is a 404", async () => {
    const js = await srv.request({ path: "/console/assets/index-abc123.js" });
    assert.equal(js.status, 200);
    assert.equal(js.headers["content-type"], "text/javascript; charset=utf-8");
    assert.equal(js.headers["cache-control"], "public, max-age=31536000, immutable");
    assert.equal(js.body.toString(), "console.log(1)");
    const svg = await srv.request({ path: "/console/favicon.svg" });
    assert.equal(svg.headers["cache-control"], "no-cache");
    assert.equal(svg.headers["content-type"], "image/svg+xml");
    const gone = await srv.request({ path: "/console/assets/index-old999.js" });
    assert.equal(gone.status, 404);
    const head = await srv.request({ method: "HEAD", path: "/console/assets/index-abc123.js" });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
  });

  test("paths never leave the directory; writes are refused", async () => {
    const escaped = await srv.request({ path: "/console/%2e%2e/aloft-console-secret.txt" });
    assert.doesNotMatch(escaped.body.toString(), /secret/);
    const encodedSlash = await srv.request({ path: "/console/..%2f..%2faloft-console-secret.txt" });
    assert.doesNotMatch(encodedSlash.body.toString(), /secret/);
    const post = await srv.request({
      method: "POST",
      path: "/console/",
      headers: { "content-type": "application/json" },
    });
    assert.equal(post.status, 405);
  });

  test("without a build, /console explains how to build it instead of failing", async () => {
    const r = await bare.request({ path: "/console/projects" });
    assert.equal(r.status, 503);
    assert.match(r.body.toString(), /console is not built/);
    assert.match(r.body.toString(), /npm run build/);
    assert.equal(r.headers["content-security-policy"], CONSOLE_CSP);
  });
});
