// GetExecutionMetrics' answer as the gateway's JSON, written directly: the generic path (toJson, then the walk that adds
// protojson's nulls, then JSON.stringify) spent ≈ 120–250 ms and most of its garbage on the ≈ 13,500 spans of a 5,000-node
// execution. The output is the generic marshalers' byte for byte (span-json.test.ts compares both), in both of the
// gateway's formats: proto field names (`application/json`) and json names (the wildcard). The JSON of a span marked
// immutable (finished nodes' spans, kept by ExecutionMetricsManager) is remembered, so a running execution's finished
// nodes are encoded once. Anything the generic encoder would refuse or write otherwise (a timestamp out of range, an
// enum value without a name) makes the encoder decline, and the generic path answers.
import type { Message } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import {
  WorkflowExecutionGetMetricsResponseSchema,
  type WorkflowExecutionGetMetricsResponse,
} from "@aloft/idl/flyteidl/admin/execution_pb.js";
import {
  ResourceTypeSchema,
  type Identifier,
  type NodeExecutionIdentifier,
  type TaskExecutionIdentifier,
  type WorkflowExecutionIdentifier,
} from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { Span } from "@aloft/idl/flyteidl/core/metrics_pb.js";
import { isImmutable } from "../../managers/immutable-messages.ts";
import type { JsonEncoder } from "./marshalers.ts";

/** The field names of one format, with the quotes and colon. */
interface Names {
  span: string;
  startTime: string;
  endTime: string;
  workflowId: string;
  nodeId: string;
  taskId: string;
  operationId: string;
  spans: string;
  project: string;
  domain: string;
  name: string;
  org: string;
  executionId: string;
  resourceType: string;
  version: string;
  nodeExecutionId: string;
  retryAttempt: string;
}

function names(protoNames: boolean): Names {
  const n = (proto: string, json: string) => `"${protoNames ? proto : json}":`;
  return {
    span: n("span", "span"),
    startTime: n("start_time", "startTime"),
    endTime: n("end_time", "endTime"),
    workflowId: n("workflow_id", "workflowId"),
    nodeId: n("node_id", "nodeId"),
    taskId: n("task_id", "taskId"),
    operationId: n("operation_id", "operationId"),
    spans: n("spans", "spans"),
    project: n("project", "project"),
    domain: n("domain", "domain"),
    name: n("name", "name"),
    org: n("org", "org"),
    executionId: n("execution_id", "executionId"),
    resourceType: n("resource_type", "resourceType"),
    version: n("version", "version"),
    nodeExecutionId: n("node_execution_id", "nodeExecutionId"),
    retryAttempt: n("retry_attempt", "retryAttempt"),
  };
}

/** Thrown inside the encoder when the generic path must answer instead. */
class Decline extends Error {}

/** The range google.protobuf.Timestamp's JSON allows, in milliseconds since the epoch. */
const MIN_MS = Date.parse("0001-01-01T00:00:00Z");
const MAX_MS = Date.parse("9999-12-31T23:59:59Z");

/** RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as protojson writes a Timestamp. */
export function timestampJson(ts: Timestamp): string {
  const ms = Number(ts.seconds) * 1000;
  if (!(ms >= MIN_MS && ms <= MAX_MS) || ts.nanos < 0 || ts.nanos > 999_999_999) throw new Decline();
  const iso = new Date(ms).toISOString(); // …T00:00:00.000Z
  const base = iso.slice(0, -5);
  if (ts.nanos === 0) return `"${base}Z"`;
  const digits = String(ts.nanos + 1_000_000_000).slice(1);
  const frac = digits.endsWith("000000") ? digits.slice(0, 3) : digits.endsWith("000") ? digits.slice(0, 6) : digits;
  return `"${base}.${frac}Z"`;
}

/** Pieces of the answer: text, and the UTF-8 of spans written before. */
type Pieces = (string | Uint8Array)[];

/** The pieces' UTF-8 in one buffer (joining megabytes of strings and then encoding them cost more than the spans). */
function bytesOf(pieces: Pieces): Uint8Array {
  let bound = 0;
  for (const p of pieces) bound += typeof p === "string" ? p.length * 3 : p.length;
  const out = Buffer.allocUnsafe(bound);
  let at = 0;
  for (const p of pieces) {
    if (typeof p === "string") at += out.write(p, at);
    else {
      out.set(p, at);
      at += p.length;
    }
  }
  return out.subarray(0, at);
}

/** Writes the answer as pieces, remembering the bytes of immutable spans' JSON. */
class SpanWriter {
  /** JSON of immutable spans in this format, as UTF-8. */
  private readonly known = new WeakMap<Span, Uint8Array>();

  constructor(private readonly n: Names) {}

  response(res: WorkflowExecutionGetMetricsResponse): Uint8Array {
    const out: Pieces = [`{${this.n.span}`];
    if (res.span) this.span(res.span, out);
    else out.push("null");
    out.push("}");
    return bytesOf(out);
  }

  private span(s: Span, out: Pieces): void {
    const immutable = isImmutable(s);
    if (immutable) {
      const known = this.known.get(s);
      if (known !== undefined) {
        out.push(known);
        return;
      }
    }
    const start = out.length;
    const n = this.n;
    out.push(`{${n.startTime}${this.time(s.startTime)},${n.endTime}${this.time(s.endTime)},`);
    const id = s.id;
    switch (id.case) {
      case "workflowId":
        out.push(`${n.workflowId}${this.workflowExecutionId(id.value)},`);
        break;
      case "nodeId":
        out.push(`${n.nodeId}${this.nodeExecutionId(id.value)},`);
        break;
      case "taskId":
        out.push(`${n.taskId}${this.taskExecutionId(id.value)},`);
        break;
      case "operationId":
        out.push(`${n.operationId}${JSON.stringify(id.value)},`);
        break;
      case undefined:
        break;
      default:
        throw new Decline();
    }
    out.push(`${n.spans}[`);
    const children = s.spans;
    for (let i = 0; i < children.length; i++) {
      if (i > 0) out.push(",");
      this.span(children[i] as Span, out);
    }
    out.push("]}");
    if (immutable) {
      const json = Buffer.from(bytesOf(out.splice(start))); // its own copy, not a view of a larger buffer
      this.known.set(s, json);
      out.push(json);
    }
  }

  private time(ts: Timestamp | undefined): string {
    return ts ? timestampJson(ts) : "null";
  }

  private workflowExecutionId(id: WorkflowExecutionIdentifier): string {
    const n = this.n;
    const q = JSON.stringify;
    return `{${n.project}${q(id.project)},${n.domain}${q(id.domain)},${n.name}${q(id.name)},${n.org}${q(id.org)}}`;
  }

  private nodeExecutionId(id: NodeExecutionIdentifier): string {
    const n = this.n;
    const execution = id.executionId ? this.workflowExecutionId(id.executionId) : "null";
    return `{${n.nodeId}${JSON.stringify(id.nodeId)},${n.executionId}${execution}}`;
  }

  private taskExecutionId(id: TaskExecutionIdentifier): string {
    const n = this.n;
    const task = id.taskId ? this.identifier(id.taskId) : "null";
    const node = id.nodeExecutionId ? this.nodeExecutionId(id.nodeExecutionId) : "null";
    return `{${n.taskId}${task},${n.nodeExecutionId}${node},${n.retryAttempt}${id.retryAttempt}}`;
  }

  private identifier(id: Identifier): string {
    const n = this.n;
    const q = JSON.stringify;
    const type = ResourceTypeSchema.value[id.resourceType]?.name;
    if (type === undefined) throw new Decline();
    return `{${n.resourceType}"${type}",${n.project}${q(id.project)},${n.domain}${q(id.domain)},${n.name}${q(id.name)},${n.version}${q(id.version)},${n.org}${q(id.org)}}`;
  }
}

const writers = { proto: new SpanWriter(names(true)), json: new SpanWriter(names(false)) };

/** WorkflowExecutionGetMetricsResponse as the gateway's JSON (UTF-8); undefined when the generic encoder must answer. */
export function metricsResponseJson(
  res: WorkflowExecutionGetMetricsResponse,
  protoNames: boolean,
): Uint8Array | undefined {
  try {
    return (protoNames ? writers.proto : writers.json).response(res);
  } catch (err) {
    if (err instanceof Decline) return undefined;
    throw err;
  }
}

/** The gateway's hand-written JSON encoders, by message type name. */
export const jsonEncoders: ReadonlyMap<string, JsonEncoder> = new Map<string, JsonEncoder>([
  [
    WorkflowExecutionGetMetricsResponseSchema.typeName,
    (message: Message, protoNames: boolean) =>
      metricsResponseJson(message as WorkflowExecutionGetMetricsResponse, protoNames),
  ],
]);
