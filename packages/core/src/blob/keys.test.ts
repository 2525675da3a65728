import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as k from "./keys.ts";

const exec = { project: "flytesnacks", domain: "development", name: "f7616dc75400f43e6920" };

describe("storage layout keys", () => {
  it("joins segments like flytestdlib's URL path constructor", () => {
    assert.equal(k.joinKey("a/", "/b/", "c"), "a/b/c");
    assert.equal(k.joinKey("metadata", "", "x", 0), "metadata/x/0");
    assert.equal(k.joinKey(), "");
    assert.equal(k.joinUri("s3://bkt/raw/", "ab", "/name/"), "s3://bkt/raw/ab/name");
    assert.equal(k.joinUri("file:///tmp/root", "x"), "file:///tmp/root/x");
    assert.equal(k.joinUri("s3://bkt", "x"), "s3://bkt/x");
    assert.equal(k.joinUri("s3://bkt/", ""), "s3://bkt");
  });

  it("places admin closures under metadataStoragePrefix", () => {
    const wf = { project: "flytesnacks", domain: "development", name: "core.basic.wf", version: "v1" };
    assert.equal(k.workflowClosureKey(wf), "metadata/admin/flytesnacks/development/core.basic.wf/v1");
    assert.equal(k.workflowClosureKey(wf, ["custom"]), "custom/flytesnacks/development/core.basic.wf/v1");
    assert.equal(
      k.dynamicWorkflowClosureKey({ executionId: exec, nodeId: "n1" }, wf),
      "metadata/admin/flytesnacks/development/f7616dc75400f43e6920/n1/flytesnacks_development_core.basic.wf_v1",
    );
  });

  it("places offloaded inputs and event outputs under metadata/", () => {
    assert.deepEqual(k.executionAttemptInputsKeys(exec, "a1"), {
      inputs: "metadata/flytesnacks/development/f7616dc75400f43e6920/a1/inputs",
      userInputs: "metadata/flytesnacks/development/f7616dc75400f43e6920/a1/user_inputs",
    });
    assert.equal(
      k.executionOutputsKey(exec),
      "metadata/flytesnacks/development/f7616dc75400f43e6920/offloaded_outputs",
    );
    assert.equal(
      k.nodeExecutionOutputsKey({ executionId: exec, nodeId: "n0" }),
      "metadata/flytesnacks/development/f7616dc75400f43e6920/n0/offloaded_outputs",
    );
    assert.equal(
      k.taskExecutionOutputsKey({
        nodeExecutionId: { executionId: exec, nodeId: "n0" },
        taskId: { project: "flytesnacks", domain: "development", name: "t1", version: "v2" },
        retryAttempt: 1,
      }),
      "metadata/flytesnacks/development/f7616dc75400f43e6920/n0/flytesnacks/development/t1/v2/1/offloaded_outputs",
    );
  });

  it("builds data proxy upload keys, dropping empty segments", () => {
    assert.equal(
      k.uploadKey({ project: "p", domain: "d", root: "abc", filename: "fast.tar.gz" }),
      "p/d/abc/fast.tar.gz",
    );
    assert.equal(
      k.uploadKey({ storagePrefix: "uploads", org: "o", project: "p", domain: "d", root: "abc", filename: "f" }),
      "uploads/o/p/d/abc/f",
    );
  });

  it("lays out propeller's workflow and node directories", () => {
    const wfDir = k.workflowDataDir(exec);
    assert.equal(wfDir, "metadata/propeller/flytesnacks-development-f7616dc75400f43e6920");
    assert.equal(
      k.workflowDataDir(exec, "/other/prefix/"),
      "other/prefix/flytesnacks-development-f7616dc75400f43e6920",
    );
    assert.equal(k.workflowInputsKey(wfDir), `${wfDir}/start-node/data/0/outputs.pb`);
    assert.equal(k.workflowOutputsKey(wfDir), `${wfDir}/end-node/data/0/outputs.pb`);

    const n0 = k.nodeDataDir(wfDir, "n0");
    assert.equal(n0, `${wfDir}/n0/data`);
    assert.equal(k.inputsKey(n0), `${wfDir}/n0/data/inputs.pb`);
    const out1 = k.nodeOutputDir(n0, 1);
    assert.equal(out1, `${wfDir}/n0/data/1`);
    assert.equal(k.outputsKey(out1), `${wfDir}/n0/data/1/outputs.pb`);
    assert.equal(k.errorKey(out1), `${wfDir}/n0/data/1/error.pb`);
    assert.equal(k.deckKey(out1), `${wfDir}/n0/data/1/deck.html`);
    assert.equal(k.futuresKey(out1), `${wfDir}/n0/data/1/futures.pb`);
    assert.equal(k.dynamicCompiledKey(out1), `${wfDir}/n0/data/1/dynamic_compiled.pb`);

    // A sub-workflow child hangs off its parent's output dir.
    const child = k.childNodeDataDir(k.nodeOutputDir(k.nodeDataDir(wfDir, "n2"), 0), "n0");
    assert.equal(child, `${wfDir}/n2/data/0/n0`);
    assert.equal(k.nodeOutputDir(child, 0), `${wfDir}/n2/data/0/n0/0`);
  });

  it("shards raw outputs with fnv32a over [a-z0-9]x[a-z0-9]", () => {
    // FNV-1a reference vectors.
    assert.equal(k.fnv32a(""), 0x811c9dc5);
    assert.equal(k.fnv32a("a"), 0xe40c292c);
    assert.equal(k.fnv32a("foobar"), 0xbf9cf968);
    // Shards computed independently: index = fnv32a mod 1296; chars a-z then 0-9.
    assert.equal(k.rawOutputShard("a"), "hq");
    assert.equal(k.rawOutputShard("foobar"), "8q");
    assert.equal(k.rawOutputShard("f7616dc75400f43e6920-n0-0"), "3n");
    assert.equal(
      k.rawOutputDataPrefix("s3://bkt/data/", "f7616dc75400f43e6920-n0-0"),
      "s3://bkt/data/3n/f7616dc75400f43e6920-n0-0",
    );
    assert.equal(
      k.checkpointPrefix("s3://bkt/data/3n/f7616dc75400f43e6920-n0-0"),
      "s3://bkt/data/3n/f7616dc75400f43e6920-n0-0/_flytecheckpoints",
    );
  });
});
