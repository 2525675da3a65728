import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultConfig, loadConfig } from "@aloft/core";
import { taskEnvironment } from "./engine.ts";

test("literal offloading on: tasks learn the thresholds in whole MB, as flytekit reads them (int)", () => {
  assert.equal(
    taskEnvironment(defaultConfig(), {})["_F_L_MIN_SIZE_MB"],
    "1",
    "on by default: flytekit offloads outputs of 1 MB or more",
  );
  const off = { ...defaultConfig(), literalOffloading: { enabled: false, minSizeInMb: 1, maxSizeInMb: 1000 } };
  assert.equal(taskEnvironment(off, {})["_F_L_MIN_SIZE_MB"], undefined, "off: flytekit does not offload");
  const config = { ...defaultConfig(), literalOffloading: { enabled: true, minSizeInMb: 0.5, maxSizeInMb: 1000 } };
  const env = taskEnvironment(config, {});
  assert.equal(env["_F_L_MIN_SIZE_MB"], "1");
  assert.equal(env["_F_L_MAX_SIZE_MB"], "1000");
});

test("literalOffloading keys come from the environment like any other", () => {
  const c = loadConfig({
    env: { ALOFT_LITERAL_OFFLOADING__ENABLED: "true", ALOFT_LITERAL_OFFLOADING__MIN_SIZE_IN_MB: "0.25" },
  });
  assert.deepEqual(c.literalOffloading, { enabled: true, minSizeInMb: 0.25, maxSizeInMb: 1000 });
});
