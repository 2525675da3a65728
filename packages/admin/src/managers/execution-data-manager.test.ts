// Execution data reads (upstream flyteadmin/pkg/manager/impl/execution_manager.go GetExecutionData, util/data.go): storage failures read as empty maps, inline data
// under the size limit, URIs read back, signed URLs only when enabled (full data withheld when too large).
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { MemoryBlobStore } from "@aloft/core";
import { ExecutionData, defaultRemoteDataOptions, nodeFlyteUrls, taskFlyteUrls } from "./execution-data-manager.ts";

const map = (s: string) =>
  create(LiteralMapSchema, {
    literals: {
      s: {
        value: {
          case: "scalar",
          value: { value: { case: "primitive", value: { value: { case: "stringValue", value: s } } } },
        },
      },
    },
  });

class SigningStore extends MemoryBlobStore {
  override async signedUrl(key: string): Promise<string> {
    return `https://signed/${key}`;
  }
}

test("missing or foreign objects read as empty maps; URIs are read back", async () => {
  const data = new ExecutionData(new MemoryBlobStore(), defaultRemoteDataOptions());
  assert.deepEqual((await data.read("")).literals, {});
  assert.deepEqual((await data.read("mem://test/nothing/here")).literals, {});
  assert.deepEqual((await data.read("s3://elsewhere/x")).literals, {});
  const uri = await data.offload("a/b/inputs", map("hello"));
  assert.equal(uri, "mem://test/a/b/inputs");
  const got = await data.inputs(uri);
  assert.equal(Object.keys(got.full.literals)[0], "s");
  assert.equal(got.blob.url, "", "no signed URL unless enabled");
  const out = await data.outputs({ case: "outputUri", value: uri });
  assert.equal(Object.keys(out.full.literals).length, 1);
});

test("inline output data is returned only under the size limit", async () => {
  const small = new ExecutionData(new MemoryBlobStore(), defaultRemoteDataOptions());
  assert.equal(Object.keys((await small.outputs({ case: "outputData", value: map("x") })).full.literals).length, 1);
  const tiny = new ExecutionData(new MemoryBlobStore(), { ...defaultRemoteDataOptions(), maxSizeInBytes: 5 });
  assert.deepEqual((await tiny.outputs({ case: "outputData", value: map("a long string") })).full.literals, {});
});

test("signed URLs: url and size; the full data only when under the limit", async () => {
  const store = new SigningStore();
  const data = new ExecutionData(store, {
    ...defaultRemoteDataOptions(),
    maxSizeInBytes: 10,
    signedUrls: { enabled: true, expiresInSeconds: 60 },
  });
  const uri = await data.offload("big/inputs", map("a string longer than ten bytes"));
  const got = await data.inputs(uri);
  assert.equal(got.blob.url, "https://signed/big/inputs");
  assert.ok(got.blob.bytes > 10n);
  assert.deepEqual(got.full.literals, {}, "too large to inline");
});

test("flyte:// URLs of node and task executions", () => {
  const exec = {
    $typeName: "flyteidl.core.WorkflowExecutionIdentifier" as const,
    project: "p",
    domain: "d",
    name: "e",
    org: "",
  };
  const node = { $typeName: "flyteidl.core.NodeExecutionIdentifier" as const, executionId: exec, nodeId: "n0" };
  assert.deepEqual(
    { ...nodeFlyteUrls(node, true), $typeName: undefined },
    {
      $typeName: undefined,
      inputs: "flyte://v1/p/d/e/n0/i",
      outputs: "flyte://v1/p/d/e/n0/o",
      deck: "flyte://v1/p/d/e/n0/d",
    },
  );
  const te = taskFlyteUrls({
    $typeName: "flyteidl.core.TaskExecutionIdentifier",
    nodeExecutionId: node,
    retryAttempt: 2,
  });
  assert.equal(te.inputs, "flyte://v1/p/d/e/n0/2/i");
  assert.equal(te.deck, "");
});

test("issue 9 row 6: a map at or above the limit is never read, signing or not; its size is always reported", async () => {
  class CountingStore extends MemoryBlobStore {
    gets = 0;
    override async get(key: string): Promise<Uint8Array> {
      this.gets++;
      return super.get(key);
    }
  }
  const store = new CountingStore();
  const data = new ExecutionData(store, { ...defaultRemoteDataOptions(), maxSizeInBytes: 64 });
  const uri = await data.offload("big/inputs", map("x".repeat(100)));
  const got = await data.inputs(uri);
  assert.deepEqual(got.full.literals, {});
  assert.ok(got.blob.bytes > 100n, String(got.blob.bytes));
  assert.equal(got.blob.url, "");
  assert.equal(store.gets, 0, "the big map was not fetched");
  const small = await data.inputs(await data.offload("small/inputs", map("y")));
  assert.equal(Object.keys(small.full.literals).length, 1);
  assert.ok(small.blob.bytes > 0n);
});

test("offloadInputs: a large literal is stored once beside the inputs and both maps carry its reference", async () => {
  const store = new MemoryBlobStore();
  const data = new ExecutionData(store, defaultRemoteDataOptions(), undefined, {
    enabled: true,
    minSizeInMb: 0.0001,
    maxSizeInMb: 1,
  });
  const user = map("z".repeat(500));
  const resolved = create(LiteralMapSchema, { literals: { ...user.literals } });
  const r = await data.offloadInputs(
    { inputs: "metadata/p/d/e/a1/inputs.pb", userInputs: "metadata/p/d/e/a1/user_inputs.pb" },
    resolved,
    user,
  );
  assert.equal(r.inputs.literals["s"]?.value.case, "offloadedMetadata");
  assert.equal(r.userInputs.literals["s"], r.inputs.literals["s"]);
  assert.deepEqual((await store.list("metadata/p/d/e/a1")).items.map((i) => i.key).sort(), [
    "metadata/p/d/e/a1/inputs.pb",
    "metadata/p/d/e/a1/s_offloaded_metadata.pb",
    "metadata/p/d/e/a1/user_inputs.pb",
  ]);
  assert.equal((await data.readRequired(r.userInputsUri)).literals["s"]?.value.case, "offloadedMetadata");
});
