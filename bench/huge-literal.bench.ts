// A CreateExecution with one huge list input (issue 9 row 6: 1,000,000 integers, ~9.5 MB on the wire) against the
// sandbox (`aloft start` in a child process): how long the create takes, how long the server's event loop stalls
// meanwhile (the longest /healthcheck answer while the create is in flight), the same for GetExecutionData of it, and
// the server's resident memory (now and peak). Baselines, measured in the same run: decoding and encoding the same
// request with @bufbuild/protobuf in this process (the floor any server pays to look at the message once), and the
// longest /healthcheck answer of the idle server.
// Usage: npm run bench:literal [-- --elements 1000000 --runs 2 --max-message-bytes 67108864 --offload-mb 1]
// --max-message-bytes sets server.maxMessageSizeBytes (4 MiB by default refuses this create; the bench asks 64 MiB);
// --offload-mb turns literalOffloading on with that minSizeInMb (off, as by default, when not given).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { ExecutionCreateRequestSchema } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralSchema, type Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema, SimpleType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { WorkflowTemplateSchema } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { id, intType, promise, shellTask, taskNode } from "@aloft/testkit";
import { startAloft } from "./child.ts";

const { values } = parseArgs({
  options: {
    elements: { type: "string", default: "1000000" },
    runs: { type: "string", default: "2" },
    "max-message-bytes": { type: "string", default: "67108864" },
    "offload-mb": { type: "string" },
  },
});
if (values["max-message-bytes"]) process.env["ALOFT_SERVER__MAX_MESSAGE_SIZE_BYTES"] = values["max-message-bytes"];
if (values["offload-mb"]) {
  process.env["ALOFT_LITERAL_OFFLOADING__ENABLED"] = "true";
  process.env["ALOFT_LITERAL_OFFLOADING__MIN_SIZE_IN_MB"] = values["offload-mb"];
}
const N = Number(values.elements);
const RUNS = Number(values.runs);
const P = "flytesnacks";
const D = "development";

const int = (n: number): Literal =>
  create(LiteralSchema, {
    value: {
      case: "scalar",
      value: { value: { case: "primitive", value: { value: { case: "integer", value: BigInt(n) } } } },
    },
  });
const list = create(LiteralSchema, {
  value: { case: "collection", value: { literals: Array.from({ length: N }, (_, i) => int(i)) } },
});

function health(port: number): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/healthcheck" }, (res) => {
      res.resume();
      res.on("end", () => resolve(performance.now() - t0));
    });
    req.on("error", () => resolve(performance.now() - t0));
    req.end();
  });
}

/** Runs `fn` while polling /healthcheck every 20 ms; returns fn's time and the slowest health answer. */
async function withStallProbe(port: number, fn: () => Promise<unknown>): Promise<{ ms: number; stallMs: number }> {
  let stall = 0;
  let done = false;
  const probe = (async () => {
    while (!done) {
      stall = Math.max(stall, await health(port));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  done = true;
  await probe;
  return { ms, stallMs: stall };
}

/** The child's resident set and its peak, in MB (Linux /proc). */
function rss(pid: number | undefined): { now: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) =>
      Number(/\s(\d+) kB/.exec(status.split("\n").find((l) => l.startsWith(field)) ?? "")?.[1] ?? NaN);
    return { now: kb("VmRSS:") / 1024, peak: kb("VmHWM:") / 1024 };
  } catch {
    return { now: NaN, peak: NaN };
  }
}

const dir = mkdtempSync(join(tmpdir(), "aloft-bench-literal-"));
const server = await startAloft(join(dir, "data"));
try {
  const admin = createClient(AdminService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.grpcPort}` }));
  const task = shellTask(id(ResourceType.TASK, P, D, "noop", "v1"), ["a"], ["o"], "echo 1 > /var/outputs/o");
  await admin.createTask({ id: task.id, spec: { template: task } });
  const wfId = id(ResourceType.WORKFLOW, P, D, "huge", "v1");
  const listType = create(LiteralTypeSchema, {
    type: { case: "collectionType", value: { type: { case: "simple", value: SimpleType.INTEGER } } },
  });
  const template = create(WorkflowTemplateSchema, {
    id: wfId,
    interface: {
      inputs: { variables: { xs: { type: listType, description: "xs" } } },
      outputs: { variables: { o: { type: intType(), description: "o" } } },
    },
    nodes: [
      taskNode("n0", task.id!, {
        a: {
          value: {
            case: "scalar",
            value: { value: { case: "primitive", value: { value: { case: "integer", value: 1n } } } },
          },
        } as never,
      }),
    ],
    outputs: [{ var: "o", binding: promise("n0", "o") }],
    metadata: {},
  });
  await admin.createWorkflow({ id: wfId, spec: { template } });
  const lp = id(ResourceType.LAUNCH_PLAN, P, D, "huge", "v1");
  await admin.createLaunchPlan({ id: lp, spec: { workflowId: wfId } });

  const req = create(ExecutionCreateRequestSchema, {
    project: P,
    domain: D,
    spec: { launchPlan: lp },
    inputs: { literals: { xs: list } },
  });
  const bytes = toBinary(ExecutionCreateRequestSchema, req);
  const t0 = performance.now();
  const decoded = fromBinary(ExecutionCreateRequestSchema, bytes);
  const decodeMs = performance.now() - t0;
  const t1 = performance.now();
  toBinary(ExecutionCreateRequestSchema, decoded);
  const encodeMs = performance.now() - t1;

  const idle = await withStallProbe(server.httpPort, () => new Promise((r) => setTimeout(r, 1000)));
  const base = decodeMs + encodeMs;
  const offload = values["offload-mb"]
    ? `literalOffloading on at ${values["offload-mb"]} MB`
    : "literalOffloading off (the default)";
  console.log(
    `\nCreateExecution with a ${N.toLocaleString("en")}-element list input (${(bytes.length / 1e6).toFixed(1)} MB), sandbox on SQLite, ${offload}, node ${process.version}\n`,
  );
  console.log(
    `baseline: protobuf decode ${decodeMs.toFixed(0)} ms + encode ${encodeMs.toFixed(0)} ms of the same message in this process; idle health answer ≤ ${idle.stallMs.toFixed(0)} ms; server RSS ${rss(server.child.pid).now.toFixed(0)} MB`,
  );
  for (let r = 0; r < RUNS; r++) {
    let name = "";
    const c = await withStallProbe(server.httpPort, async () => {
      name = (await admin.createExecution(req)).id!.name;
    });
    const afterCreate = rss(server.child.pid);
    let inline = 0;
    const g = await withStallProbe(server.httpPort, async () => {
      const data = await admin.getExecutionData({ id: { project: P, domain: D, name } });
      inline =
        data.fullInputs?.literals["xs"]?.value.case === "collection"
          ? data.fullInputs.literals["xs"].value.value.literals.length
          : 0;
    });
    const afterGet = rss(server.child.pid);
    console.log(
      `run ${r + 1}: CreateExecution ${c.ms.toFixed(0)} ms, max health latency ${c.stallMs.toFixed(0)} ms (${(c.stallMs / Math.max(1, base)).toFixed(2)}x decode+encode), RSS ${afterCreate.now.toFixed(0)} MB\n` +
        `       GetExecutionData ${g.ms.toFixed(0)} ms, max health latency ${g.stallMs.toFixed(0)} ms (${(g.stallMs / Math.max(1, base)).toFixed(2)}x), ` +
        `${inline.toLocaleString("en")} elements inline, RSS ${afterGet.now.toFixed(0)} MB (peak ${afterGet.peak.toFixed(0)} MB)`,
    );
  }
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
