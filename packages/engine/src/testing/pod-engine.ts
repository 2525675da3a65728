// Test support: the engine with the pod plugin on the test API server (pod-cluster.ts), started, beside a file of
// outputs `{o: <value>}` that a pod's command can copy, and a wait on an execution's status. Test-only.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LocalBlobStore } from "@aloft/core";
import { eventually } from "@aloft/kube/testing";
import { Engine } from "../controller/engine.ts";
import type { WorkflowStatus } from "../executor/status.ts";
import type { PodPlugin } from "../plugins/k8s-pod/pod-plugin.ts";
import { MemoryWorkflowStore } from "../store/memory-workflow-store.ts";
import { type PodCluster, podCluster } from "./pod-cluster.ts";
import { RecordingEventSink } from "./recording-sink.ts";
import { intLit } from "./workflows.ts";

export interface PodEngine {
  /** A file holding the LiteralMap `{o: outputValue}`. */
  outputs: string;
  cluster: PodCluster;
  plugin: PodPlugin;
  blobs: LocalBlobStore;
  sink: RecordingEventSink;
  engine: Engine;
  /** The execution `name` in project `p`, domain `d` (the cluster's namespace `p-d`). */
  id(name: string): { project: string; domain: string; name: string };
  /** Polls the status of execution `name` until `pred` holds; returns that status. */
  waitFor(name: string, pred: (s: WorkflowStatus) => boolean): Promise<WorkflowStatus>;
}

/** Started; the cluster, the engine and the temp dir are gone when the test ends. */
export async function podEngine(
  t: Pick<TestContext, "after">,
  opts: { dirPrefix: string; outputValue: number; pollIntervalMs: number },
): Promise<PodEngine> {
  const dir = await mkdtemp(join(tmpdir(), opts.dirPrefix));
  const cluster = await podCluster();
  t.after(async () => {
    await cluster.close();
    await rm(dir, { recursive: true, force: true });
  });
  const outputs = join(dir, "outputs.pb");
  const literals = { o: intLit(opts.outputValue) };
  await writeFile(outputs, toBinary(LiteralMapSchema, create(LiteralMapSchema, { literals })));
  const blobs = new LocalBlobStore({ root: join(dir, "blobs") });
  const sink = new RecordingEventSink();
  const plugin = cluster.plugin();
  const engine = new Engine({
    store: new MemoryWorkflowStore(),
    blobs,
    sink,
    plugins: [plugin],
    config: { pollIntervalMs: opts.pollIntervalMs },
  });
  const id = (name: string) => ({ project: "p", domain: "d", name });
  const waitFor = async (name: string, pred: (s: WorkflowStatus) => boolean) =>
    eventually(async () => {
      const s = await engine.status(id(name));
      return s && pred(s) ? s : undefined;
    }, `${name} to reach the expected state`);
  await engine.start();
  t.after(() => engine.stop());
  return { outputs, cluster, plugin, blobs, sink, engine, id, waitFor };
}
