// The `aloft copilot` verbs' halves: download writes the inputs as files, waitForPrimary follows the pod's status
// until the primary container has terminated, upload writes outputs.pb, error.pb, or nothing after a failed primary.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { VariableMapSchema } from "@aloft/idl/flyteidl/core/interface_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { ErrorDocumentSchema } from "@aloft/idl/flyteidl/core/errors_pb.js";
import { getMessage, LocalBlobStore, putMessage } from "@aloft/core";
import { builders as b } from "@aloft/core/testing";
import { createKubeApi, isNotFound, resources } from "@aloft/kube";
import { startTestApiServer } from "@aloft/kube/testing";
import { copilotDownload, copilotUpload, formatOf, waitForPrimary } from "./copilot-process.ts";

test("aloft copilot download and upload", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "aloft-copilot-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = new LocalBlobStore({ root: join(dir, "blobs") });

  await t.test("download: each input a file, plus inputs.pb and the YAML document", async () => {
    const inputs = create(LiteralMapSchema, {
      literals: {
        a: b.literalOf({ case: "stringValue", value: "hi" }),
        n: b.literalOf({ case: "integer", value: 7n }),
      },
    });
    await putMessage(store, "x/inputs.pb", LiteralMapSchema, inputs);
    const to = join(dir, "in");
    await copilotDownload(store, { fromRemote: store.uri("x/inputs.pb"), toLocalDir: to, format: formatOf("yaml") });
    assert.equal(await readFile(join(to, "a"), "utf8"), "hi");
    assert.equal(await readFile(join(to, "n"), "utf8"), "7");
    assert.match(await readFile(join(to, "inputs.yaml"), "utf8"), /"n": 7/);
    await readFile(join(to, "inputs.pb"));
    assert.throws(() => formatOf("xml"), /not JSON, YAML or PROTO/);
  });

  const iface = Buffer.from(toBinary(VariableMapSchema, b.vars({ o: b.INT }))).toString("base64");
  const opts = (name: string) => ({
    fromLocalDir: join(dir, name),
    toOutputPrefix: store.uri(`${name}/out`),
    toRawOutput: store.uri(`${name}/raw`),
    outputsInterface: iface,
  });

  await t.test("upload after exit 0: outputs.pb from the output files", async () => {
    await mkdir(join(dir, "good"));
    await writeFile(join(dir, "good", "o"), "42\n");
    assert.match(await copilotUpload(store, 0, opts("good")), /outputs uploaded/);
    const out = await getMessage(store, "good/out/outputs.pb", LiteralMapSchema);
    const v = out?.literals["o"]?.value;
    assert.equal(v?.case === "scalar" && v.value.value.case === "primitive" ? v.value.value.value.value.value : 0, 42n);
  });

  await t.test("upload after exit 0 with a missing output: error.pb", async () => {
    await mkdir(join(dir, "empty"));
    assert.match(await copilotUpload(store, 0, opts("empty")), /error document/);
    const doc = await getMessage(store, "empty/out/error.pb", ErrorDocumentSchema);
    assert.equal(doc?.error?.code, "OutputUploadFailed");
    assert.match(doc?.error?.message ?? "", /file not found/);
  });

  await t.test("upload after a failed primary: nothing", async () => {
    await mkdir(join(dir, "failed"));
    await writeFile(join(dir, "failed", "o"), "1");
    assert.match(await copilotUpload(store, 3, opts("failed")), /exited 3: no outputs uploaded/);
    await assert.rejects(getMessage(store, "failed/out/outputs.pb", LiteralMapSchema));
  });

  await t.test("waitForPrimary: returns once the primary container has terminated", async () => {
    const server = await startTestApiServer();
    t.after(() => server.close());
    const api = createKubeApi(server.kubeConfig(), { fieldManager: "test" });
    await api.create(resources.namespaces, { metadata: { name: "ns" } });
    await api.create(resources.pods, {
      metadata: { name: "p", namespace: "ns" },
      spec: { containers: [{ name: "main", image: "x" }] },
    });
    const w = { namespace: "ns", pod: "p", primary: "main", pollMs: 20 };
    await assert.rejects(waitForPrimary(api, { ...w, pod: "nope" }), (err: unknown) => isNotFound(err));
    await assert.rejects(waitForPrimary(api, { ...w, timeoutMs: 100 }), /did not terminate within 100 ms/);
    const waiting = waitForPrimary(api, w);
    await api.patch(
      resources.pods,
      "p",
      { status: { containerStatuses: [{ name: "main", state: { terminated: { exitCode: 3, reason: "Error" } } }] } },
      { namespace: "ns", subresource: "status" },
    );
    assert.deepEqual(await waiting, { exitCode: 3, reason: "Error" });
  });
});
