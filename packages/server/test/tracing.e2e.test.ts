// With tracing.otlpEndpoint set, every RPC becomes a span exported over OTLP/HTTP (here to a local collector stub).
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { startTestPlatform } from "@aloft/testkit";

test("RPC spans reach the configured OTLP endpoint, named after the method", async () => {
  const received: Array<{ path: string; body: Buffer }> = [];
  const collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", body: Buffer.concat(chunks) });
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((r) => collector.listen(0, "127.0.0.1", () => r()));
  const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  const platform = await startTestPlatform({
    overrides: { tracing: { otlpEndpoint: endpoint, serviceName: "aloft-test" } },
  });
  try {
    const res = await fetch(`${platform.httpUrl}/api/v1/projects/flytesnacks`, {
      headers: { accept: "application/json" },
    });
    assert.equal(res.status, 200);
  } finally {
    await platform.close(); // flushes the batch span processor
    collector.close();
  }
  const traces = received.filter((r) => r.path === "/v1/traces");
  assert.ok(traces.length > 0, "spans exported");
  const text = traces.map((t) => t.body.toString("latin1")).join("");
  assert.match(text, /flyteidl\.service\.AdminService\/GetProject/);
  assert.match(text, /aloft-test/);
});
