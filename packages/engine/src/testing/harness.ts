// Test support: an engine over in-memory stores with a recording sink and the fake plugin.
import { create } from "@bufbuild/protobuf";
import type { CompiledWorkflowClosure } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { LiteralMapSchema, type Literal, type LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { getMessage, type BlobStore } from "@aloft/core";
import { MemoryBlobStore } from "@aloft/core";
import type { Clock } from "@aloft/core";
import type { EngineConfig } from "../config.ts";
import type { CatalogPort, ChildExecutionPort } from "../ports.ts";
import type { EngineMetrics } from "../metrics/engine-metrics.ts";
import { Engine } from "../controller/engine.ts";
import { isTerminalWorkflowPhase, type WorkflowStatus } from "../executor/status.ts";
import { MemoryWorkflowStore } from "../store/memory-workflow-store.ts";
import type { LaunchSpec, WorkflowStore } from "../store/workflow-store.ts";
import { checkedLocalStore } from "./checked-local-store.ts";
import { FakePlugin, succeed } from "./fake-plugin.ts";
import { incOutputs } from "./workflows.ts";
import { RecordingEventSink } from "./recording-sink.ts";

interface HarnessOptions {
  config?: Partial<EngineConfig>;
  clock?: Clock;
  store?: WorkflowStore;
  blobs?: BlobStore;
  sink?: RecordingEventSink;
  plugin?: FakePlugin;
  /** Task caching (upstream flytepropeller/pkg/controller/nodes/cache.go, flyteplugins/go/tasks/pluginmachinery/catalog/hashing.go), e.g. a MemoryCatalog. */
  catalog?: CatalogPort;
  /** Prometheus metrics, e.g. createEngineMetrics(new Registry()). */
  metrics?: EngineMetrics;
  /** Admin's side of launch-plan nodes' child executions, e.g. a fake admin. */
  children?: ChildExecutionPort;
}

export function engineHarness(o: HarnessOptions = {}) {
  const blobs = o.blobs ?? new MemoryBlobStore();
  // ALOFT_TEST_STORE=local: the engine's tests over the local status log, each write read back and compared.
  const store =
    o.store ?? (process.env["ALOFT_TEST_STORE"] === "local" ? checkedLocalStore() : new MemoryWorkflowStore());
  const sink = o.sink ?? new RecordingEventSink();
  const plugin = o.plugin ?? new FakePlugin();
  const engine = new Engine({
    store,
    blobs,
    sink,
    plugins: [plugin],
    ...(o.catalog ? { catalog: o.catalog } : {}),
    ...(o.children ? { children: o.children } : {}),
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(o.clock ? { clock: o.clock } : {}),
    config: { pollIntervalMs: 2, roundErrorBackoffMs: 2, workers: 2, ...o.config },
  });
  const id = (name: string) => ({ project: "p", domain: "d", name });
  return {
    engine,
    blobs,
    store,
    sink,
    plugin,
    id,
    async launch(
      name: string,
      closure: CompiledWorkflowClosure,
      inputs: Record<string, Literal> = {},
      spec: Partial<LaunchSpec> = {},
    ) {
      return engine.launch({
        executionId: id(name),
        closure,
        inputs: create(LiteralMapSchema, { literals: inputs }),
        spec: { rawOutputPrefix: "raw", ...spec },
      });
    },
    async waitFor(name: string, pred: (s: WorkflowStatus) => boolean, what = "condition"): Promise<WorkflowStatus> {
      const deadline = Date.now() + 20000;
      for (let delay = 1; ; delay = Math.min(delay * 1.5, 20)) {
        const s = await engine.status(id(name));
        if (s && pred(s)) return s;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; status: ${JSON.stringify(s)}`);
        await new Promise((r) => setTimeout(r, delay));
      }
    },
    waitTerminal(name: string) {
      return this.waitFor(name, (s) => isTerminalWorkflowPhase(s.phase), "a terminal phase");
    },
    async outputs(status: WorkflowStatus): Promise<LiteralMap> {
      return getMessage(blobs, blobs.keyOf(status.outputRef!), LiteralMapSchema);
    },
  };
}

/** A harness over `store` and `blobs` whose `inc` tasks add one (the tasks of `incChain`). */
export function incHarness(store: WorkflowStore, blobs: BlobStore) {
  return engineHarness({ store, blobs, plugin: new FakePlugin().script("inc", succeed(incOutputs)) });
}
