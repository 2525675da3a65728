import { test } from "node:test";
import assert from "node:assert/strict";
import { defaultConfig } from "@aloft/core";
import { DEFAULT_ENGINE_CONFIG, engineConfig } from "./config.ts";

test("an engine built without settings uses the platform config's engine defaults (one owner)", () => {
  const platform = defaultConfig().engine;
  assert.equal(DEFAULT_ENGINE_CONFIG.pollIntervalMs, platform.pollIntervalMs);
  assert.equal(DEFAULT_ENGINE_CONFIG.pollIntervalMs, 500);
  assert.equal(DEFAULT_ENGINE_CONFIG.workers, platform.workers);
  assert.equal(DEFAULT_ENGINE_CONFIG.producerId, platform.producerId);
  assert.equal(DEFAULT_ENGINE_CONFIG.maxWorkflowRetries, platform.maxWorkflowRetries);
  assert.equal(DEFAULT_ENGINE_CONFIG.cacheMaxAgeMs, platform.cacheMaxAgeSeconds * 1000);
  assert.equal(engineConfig({ pollIntervalMs: 7 }).pollIntervalMs, 7);
});
