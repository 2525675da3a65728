import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { appendFileSync } from "node:fs";
import { byteRange, LOGS_ROUTE, logsRoute } from "./logs-route.ts";

const dir = mkdtempSync(join(tmpdir(), "aloft-logs-"));
let server: Server;
let base: string;
before(async () => {
  writeFileSync(join(dir, "a0-n0-0.log"), "hello\n");
  mkdirSync(join(dir, "proj", "dev"), { recursive: true });
  writeFileSync(join(dir, "proj", "dev", "b0-n0-0.log"), "per project\n");
  const route = logsRoute(dir);
  server = createServer((req, res) => void route(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}${LOGS_ROUTE}`;
});
after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

test("serves a task log; unknown and unsafe names are 404", async () => {
  const ok = await fetch(`${base}a0-n0-0`);
  assert.equal(ok.status, 200);
  assert.equal(await ok.text(), "hello\n");
  for (const name of ["missing", "..%2Fetc%2Fpasswd", "%2e%2e", "a%00b"])
    assert.equal((await fetch(`${base}${name}`)).status, 404, name);
});

test("a log under its project and domain is served there and only there; its scope is that project and domain", async () => {
  const ok = await fetch(`${base}proj/dev/b0-n0-0`);
  assert.equal(ok.status, 200);
  assert.equal(await ok.text(), "per project\n");
  for (const path of [
    "proj/prod/b0-n0-0",
    "b0-n0-0",
    "proj/b0-n0-0",
    "proj/dev/x/b0-n0-0",
    "proj/dev",
    "..%2Fproj/dev/b0-n0-0",
  ])
    assert.equal((await fetch(`${base}${path}`)).status, 404, path);
  const scope = (url: string) => logsRoute(dir).scopeOf({ url } as IncomingMessage);
  assert.deepEqual(await scope("/logs/proj/dev/b0-n0-0"), { project: "proj", domain: "dev" });
  assert.deepEqual(await scope("/logs/p%2D1/dev/x?y=1"), { project: "p-1", domain: "dev" });
  for (const url of ["/logs/a0-n0-0", "/logs/proj/dev", "/logs/../dev/x", "/logs/%zz/dev/x", "/logs/a/b/c/d"])
    assert.equal(await scope(url), undefined, url);
});

test("malformed percent-encoding is 400, not a server error", async () => {
  for (const name of ["%", "%zz", "a%E0%A4%A", "%ff"]) {
    const res = await fetch(`${base}${name}`);
    assert.equal(res.status, 400, name);
  }
});

test("a range read answers the bytes after an offset (206), 416 past the end, and follows a log being written", async () => {
  const file = join(dir, "proj", "dev", "c0-n0-0.log");
  writeFileSync(file, "line 1\n");
  const url = `${base}proj/dev/c0-n0-0`;
  const whole = await fetch(url);
  assert.equal(whole.headers.get("accept-ranges"), "bytes");
  assert.equal(await whole.text(), "line 1\n");
  // Nothing new yet: 416 with the current length.
  const none = await fetch(url, { headers: { range: "bytes=7-" } });
  assert.equal(none.status, 416);
  assert.equal(none.headers.get("content-range"), "bytes */7");
  await none.arrayBuffer();
  // The task writes more; the reader asks only for what follows what it has.
  appendFileSync(file, "line 2\nline 3\n");
  const more = await fetch(url, { headers: { range: "bytes=7-" } });
  assert.equal(more.status, 206);
  assert.equal(more.headers.get("content-range"), "bytes 7-20/21");
  assert.equal(more.headers.get("content-length"), "14");
  assert.equal(await more.text(), "line 2\nline 3\n");
  const suffix = await fetch(url, { headers: { range: "bytes=-7" } });
  assert.equal(suffix.status, 206);
  assert.equal(await suffix.text(), "line 3\n");
  const head = await fetch(url, { method: "HEAD", headers: { range: "bytes=14-" } });
  assert.equal(head.status, 206);
  assert.equal(head.headers.get("content-length"), "7");
  // Several ranges, or another unit: the whole log, as if no range had been asked for.
  const multi = await fetch(url, { headers: { range: "bytes=0-1,3-4" } });
  assert.equal(multi.status, 200);
  assert.equal((await multi.text()).length, 21);
});

test("byteRange: open, closed and suffix ranges; what it cannot satisfy; what it ignores", () => {
  assert.deepEqual(byteRange("bytes=5-", 10), [5, 9]);
  assert.deepEqual(byteRange("bytes=2-4", 10), [2, 4]);
  assert.deepEqual(byteRange("bytes=2-400", 10), [2, 9]);
  assert.deepEqual(byteRange("bytes=-3", 10), [7, 9]);
  assert.deepEqual(byteRange("bytes=-30", 10), [0, 9]);
  assert.equal(byteRange("bytes=10-", 10), "unsatisfiable");
  assert.equal(byteRange("bytes=0-", 0), "unsatisfiable");
  assert.equal(byteRange("bytes=-0", 10), "unsatisfiable");
  for (const h of [undefined, "", "bytes=-", "bytes=4-2", "items=0-1", "bytes=0-1,2-3", "bytes=a-"])
    assert.equal(byteRange(h, 10), undefined, String(h));
});
