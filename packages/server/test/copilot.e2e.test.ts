// Raw container tasks with a data config on Kubernetes, end to end: the engine with the pod plugin on the test API
// server and the simulated kubelet, which runs copilot's containers as the real `aloft copilot download|upload`
// (packages/server/bin/aloft.mjs). The download init container writes the inputs into the shared inputs volume, the
// primary container (a shell) reads them and writes its outputs, the uploader waits for it through the API and
// uploads outputs.pb; a failing primary fails the task with its error and nothing is uploaded.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { CompiledTaskSchema } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { TaskTemplateSchema } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { getMessage, LocalBlobStore, systemClock } from "@aloft/core";
import { builders as b, harness } from "@aloft/core/testing";
import { Engine, isTerminalWorkflowPhase, MemoryWorkflowStore } from "@aloft/engine";
import { PodPlugin } from "@aloft/engine/kube";
import { createKubeApi, resources } from "@aloft/kube";
import { eventually, startSimulatedKubelet, startTestApiServer } from "@aloft/kube/testing";

const BIN = fileURLToPath(new URL("../bin/aloft.mjs", import.meta.url));
const noEvents = { workflowEvent: async () => {}, nodeEvent: async () => {}, taskEvent: async () => {} };

test("raw container tasks with a data config run as pods with copilot", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "aloft-copilot-e2e-"));
  const server = await startTestApiServer({ bookmarkIntervalMs: 1000 });
  const api = createKubeApi(server.kubeConfig(), { fieldManager: "aloft-test" });
  await api.create(resources.namespaces, { metadata: { name: "p-d" } });
  // The uploader reads its pod through the API: the kubeconfig stands in for the pod's service account.
  const kubeconfig = join(dir, "kubeconfig");
  await writeFile(kubeconfig, server.kubeConfig().exportConfig());
  const kubelet = await startSimulatedKubelet(api, {
    maxGraceMs: 500,
    baseEnv: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", KUBECONFIG: kubeconfig },
  });
  const blobRoot = join(dir, "blobs");
  const plugin = new PodPlugin({
    api,
    clock: systemClock,
    config: {
      copilotImage: "aloft",
      copilotCommand: [process.execPath, BIN],
      copilotEnv: { ALOFT_STORAGE__KIND: "local", ALOFT_STORAGE__LOCAL_ROOT: blobRoot },
    },
  });
  t.after(async () => {
    plugin.close();
    await kubelet.stop();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const blobs = new LocalBlobStore({ root: blobRoot });
  const engine = new Engine({
    store: new MemoryWorkflowStore(),
    blobs,
    sink: noEvents,
    plugins: [plugin],
    config: { pollIntervalMs: 100 },
  });
  const raw = (name: string, script: string) =>
    create(CompiledTaskSchema, {
      template: create(TaskTemplateSchema, {
        id: b.id(ResourceType.TASK, name),
        type: "raw-container",
        interface: b.iface({ a: b.STR, n: b.INT }, { o: b.STR, m: b.INT }),
        target: {
          case: "container",
          value: {
            image: "alpine",
            command: ["sh", "-c", script],
            // Distinct mount paths per task: the simulated kubelet's mounts are links on the host's file system.
            dataConfig: { enabled: true, inputPath: join(dir, name, "in"), outputPath: join(dir, name, "out") },
          },
        },
      }),
    });
  const copy = raw(
    "copy",
    `set -e; i=${join(dir, "copy", "in")}; o=${join(dir, "copy", "out")}; test -f "$i/inputs.json"; test -f "$i/inputs.pb";` +
      ` cat "$i/a" > "$o/o"; echo $(( $(cat "$i/n") * 2 )) > "$o/m"`,
  );
  const fail = raw("fail", "echo the task broke >&2; exit 3");
  const compile = harness([copy, fail]);
  const wf = (name: string, task: string) =>
    compile.ok(
      b.workflow(
        name,
        [
          b.taskNode("n0", task, [
            b.bind("a", b.promise("start-node", "a")),
            b.bind("n", b.promise("start-node", "n")),
          ]),
        ],
        { a: b.STR, n: b.INT },
        { o: b.STR, m: b.INT },
        [b.bind("o", b.promise("n0", "o")), b.bind("m", b.promise("n0", "m"))],
      ),
    );
  const inputs = create(LiteralMapSchema, {
    literals: {
      a: b.literalOf({ case: "stringValue", value: "hello pods" }),
      n: b.literalOf({ case: "integer", value: 21n }),
    },
  });
  const id = (name: string) => ({ project: "p", domain: "d", name });
  await engine.start();
  t.after(() => engine.stop());
  await engine.launch({ executionId: id("ok1"), closure: wf("okwf", "copy"), inputs, spec: {} });
  await engine.launch({ executionId: id("bad1"), closure: wf("badwf", "fail"), inputs, spec: {} });
  const done = (name: string) =>
    eventually(
      async () => {
        const s = await engine.status(id(name));
        return s && isTerminalWorkflowPhase(s.phase) ? s : undefined;
      },
      `${name} to end`,
      60_000,
    );

  const ok = await done("ok1");
  assert.equal(ok.phase, "Success", `${ok.message} ${ok.error?.message}`);
  const out = await getMessage(blobs, blobs.keyOf(ok.outputRef!), LiteralMapSchema);
  const value = (name: string) => {
    const v = out?.literals[name]?.value;
    return v?.case === "scalar" && v.value.value.case === "primitive" ? v.value.value.value.value.value : undefined;
  };
  assert.equal(value("o"), "hello pods");
  assert.equal(value("m"), 42n);

  const bad = await done("bad1");
  assert.equal(bad.phase, "Failed");
  const why = `${bad.message ?? ""} ${bad.error?.message ?? ""}`;
  assert.match(why, /exit code \(3\)/);
  assert.match(why, /the task broke/);
});
