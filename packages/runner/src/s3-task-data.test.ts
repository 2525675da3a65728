// The task entrypoint's data on S3: the SDK loads the S3 blob store of @aloft/platform on the first s3:// URI (it does
// not import it, to stay light), configured from the environment as in a task pod. Lives here, above SDK and
// platform, because it needs both and an S3 server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startS3, S3RVER_CREDENTIALS } from "@aloft/testkit";
import { uriIo } from "@aloft/sdk";

test("s3:// inputs and outputs through the lazily loaded S3 store: write, read back, absent is undefined", async () => {
  const s3 = await startS3({ bucket: "task-data" });
  try {
    const io = uriIo({
      AWS_ENDPOINT_URL: s3.endpoint,
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    });
    await io.write("s3://task-data/exec/n0/0/outputs.pb", new Uint8Array([1, 2, 3]));
    assert.deepEqual(await io.read("s3://task-data/exec/n0/0/outputs.pb"), new Uint8Array([1, 2, 3]));
    assert.equal(await io.read("s3://task-data/exec/n0/0/error.pb"), undefined);
    await assert.rejects(io.read("s3://no-such-bucket/x"));
  } finally {
    await s3.close();
  }
});
