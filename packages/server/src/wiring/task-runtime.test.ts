import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultConfig, loadConfig } from "@aloft/core";
import { copilotStorageEnv } from "./task-runtime.ts";

test("copilot's containers load the engine's storage settings from their environment, without credentials", () => {
  const local = { ...defaultConfig(), dataDir: "/srv/aloft" };
  assert.deepEqual(loadConfig({ env: copilotStorageEnv(local) }).storage, {
    ...local.storage,
    localRoot: "/srv/aloft/blobs",
  });
  const s3 = {
    ...defaultConfig(),
    storage: {
      kind: "s3" as const,
      localRoot: "blobs",
      bucket: "b",
      s3: {
        endpoint: "http://minio:9000",
        region: "eu-west-1",
        accessKeyId: "id",
        secretAccessKey: "key",
        forcePathStyle: false,
      },
    },
  };
  const env = copilotStorageEnv(s3);
  assert.ok(!Object.values(env).includes("key"), "no secret in a pod spec");
  assert.deepEqual(loadConfig({ env }).storage, {
    ...s3.storage,
    s3: { ...s3.storage.s3, accessKeyId: "", secretAccessKey: "" },
  });
});
