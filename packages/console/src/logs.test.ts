import assert from "node:assert/strict";
import { test } from "node:test";
import { servedLogPath } from "./logs.ts";

test("logs admin serves are read on this origin; others stay links", () => {
  assert.equal(servedLogPath("http://localhost:8088/logs/p/d/abc-n0-0"), "/logs/p/d/abc-n0-0");
  assert.equal(servedLogPath("/logs/p/d/x"), "/logs/p/d/x");
  assert.equal(servedLogPath("https://console.aws.amazon.com/cloudwatch/home#logs"), undefined);
  assert.equal(servedLogPath("s3://bucket/logs/x"), undefined);
  assert.equal(servedLogPath(""), undefined);
  assert.equal(servedLogPath(undefined), undefined);
});
