// The event path's closures written without protobuf-es's reflective encoder. Every node and task event stores its
// execution's whole closure again (the closure is the merge state and the row's content); the generic `toBinary`
// walks a compiled writer per field, a `BinaryWriter` with its chunk list and a fork per sub-message, which costs
// ≈ 16 % of an event when the path runs cold between the engine's rounds (docs/performance.md). These functions write
// the same bytes — field by field in field-number order, zero values and absent messages skipped, as protobuf-es
// does — into one reused buffer. Sub-messages the engine's common events do not carry (an error, inline outputs,
// workflow node metadata, a catalog key, logs, external resources) are encoded by `toBinary` and embedded; a closure
// with a Struct (custom info) or unknown fields is encoded by `toBinary` whole. `closure-encoding.test.ts` checks the
// bytes against `toBinary` and that the schemas still have exactly the fields written here.
import { toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";
import {
  NodeExecutionClosureSchema,
  type NodeExecutionClosure,
  type NodeExecutionMetaData,
  type TaskNodeMetadata,
  WorkflowNodeMetadataSchema,
} from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import {
  type Reason,
  TaskExecutionClosureSchema,
  type TaskExecutionClosure,
} from "@aloft/idl/flyteidl/admin/task_execution_pb.js";
import { CatalogMetadataSchema } from "@aloft/idl/flyteidl/core/catalog_pb.js";
import { ExecutionErrorSchema, LogContextSchema, TaskLogSchema } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import {
  ExternalResourceInfoSchema,
  ResourcePoolInfoSchema,
  type TaskExecutionMetadata,
} from "@aloft/idl/flyteidl/event/event_pb.js";

const VARINT = 0;
const LEN = 2;

let buf = new Uint8Array(2048);
let pos = 0;
const utf8 = new TextEncoder();

function reserve(n: number): void {
  if (pos + n <= buf.length) return;
  const grown = new Uint8Array(Math.max(buf.length * 2, pos + n));
  grown.set(buf.subarray(0, pos));
  buf = grown;
}

/** A non-negative integer below 2^53. */
function varint(v: number): void {
  reserve(8);
  while (v > 127) {
    buf[pos++] = (v % 128) | 128;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
}

/** Any 64-bit value, as protobuf writes an int64 (negative: ten bytes, two's complement). */
function varint64(v: bigint): void {
  if (v >= 0n && v <= 9_007_199_254_740_991n) {
    varint(Number(v));
    return;
  }
  let u = BigInt.asUintN(64, v);
  reserve(10);
  while (u > 127n) {
    buf[pos++] = Number(u & 127n) | 128;
    u >>= 7n;
  }
  buf[pos++] = Number(u);
}

/** An int32 / enum value: negative ones sign-extended to 64 bits, as protobuf does. */
const int32 = (v: number): void => (v >= 0 ? varint(v) : varint64(BigInt(v)));

const tag = (field: number, wire: number): void => varint(field * 8 + wire);

function varintSize(v: number): number {
  let n = 1;
  while (v > 127) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Starts a length-delimited field; `end` writes the length once the content is known. */
function begin(field: number): number {
  tag(field, LEN);
  reserve(1);
  return pos++;
}

function end(at: number): void {
  const len = pos - at - 1;
  if (len < 128) {
    buf[at] = len;
    return;
  }
  const n = varintSize(len);
  reserve(n - 1);
  buf.copyWithin(at + n, at + 1, pos);
  pos += n - 1;
  const after = pos;
  pos = at;
  varint(len);
  pos = after;
}

function string(field: number, s: string): void {
  if (s === "") return;
  const at = begin(field);
  reserve(s.length * 3);
  // ASCII (every URI, name and reason the engine sends) written directly; the rest through the TextEncoder.
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127) break;
    buf[pos + i] = c;
  }
  pos += i === s.length ? i : i + utf8.encodeInto(s.slice(i), buf.subarray(pos + i)).written;
  end(at);
}

function bytes(field: number, b: Uint8Array): void {
  tag(field, LEN);
  varint(b.length);
  reserve(b.length);
  buf.set(b, pos);
  pos += b.length;
}

/** An int32 or enum field (skipped when 0). */
function int32Field(field: number, v: number): void {
  if (v === 0) return;
  tag(field, VARINT);
  int32(v);
}

function bool(field: number, v: boolean): void {
  if (!v) return;
  tag(field, VARINT);
  varint(1);
}

/** Timestamp and Duration have the same two fields: seconds (int64) and nanos (int32). */
function secondsNanos(field: number, t: Timestamp | Duration | undefined): void {
  if (t === undefined) return;
  const at = begin(field);
  if (t.seconds !== 0n) {
    tag(1, VARINT);
    varint64(t.seconds);
  }
  int32Field(2, t.nanos);
  end(at);
}

function message<Desc extends DescMessage>(field: number, schema: Desc, m: MessageShape<Desc> | undefined): void {
  if (m !== undefined) bytes(field, toBinary(schema, m));
}

function finish(): Uint8Array {
  const out = buf.slice(0, pos);
  pos = 0;
  return out;
}

const plain = (m: { $unknown?: unknown[] } | undefined): boolean =>
  m?.$unknown === undefined || m.$unknown.length === 0;

/** Both closures' fields 1–3: the output URI or error (inline outputs come later, by their number), the phase. */
function outputHead(out: NodeExecutionClosure["outputResult"] | TaskExecutionClosure["outputResult"], phase: number) {
  if (out.case === "outputUri") string(1, out.value);
  else if (out.case === "error") message(2, ExecutionErrorSchema, out.value);
  int32Field(3, phase);
}

/** Both closures' started_at, duration, created_at, updated_at: four consecutive field numbers from `first`. */
function times(first: number, c: Pick<NodeExecutionClosure, "startedAt" | "duration" | "createdAt" | "updatedAt">) {
  secondsNanos(first, c.startedAt);
  secondsNanos(first + 1, c.duration);
  secondsNanos(first + 2, c.createdAt);
  secondsNanos(first + 3, c.updatedAt);
}

/** toBinary(NodeExecutionClosureSchema, c), byte for byte. */
export function encodeNodeClosure(c: NodeExecutionClosure): Uint8Array {
  const target = c.targetMetadata;
  if (!plain(c) || (target.case === "taskNodeMetadata" && !plain(target.value)))
    return toBinary(NodeExecutionClosureSchema, c);
  pos = 0;
  const out = c.outputResult;
  outputHead(out, c.phase);
  times(4, c);
  if (target.case === "workflowNodeMetadata") message(8, WorkflowNodeMetadataSchema, target.value);
  else if (target.case === "taskNodeMetadata") taskNodeMetadata(9, target.value);
  if (out.case === "outputData") message(10, LiteralMapSchema, out.value);
  string(11, c.deckUri);
  string(12, c.dynamicJobSpecUri);
  return finish();
}

function taskNodeMetadata(field: number, m: TaskNodeMetadata): void {
  const at = begin(field);
  int32Field(1, m.cacheStatus);
  message(2, CatalogMetadataSchema, m.catalogKey);
  string(4, m.checkpointUri);
  end(at);
}

/** toBinary(NodeExecutionMetaDataSchema, m), byte for byte (the fields are all scalars). */
export function encodeNodeMetadata(m: NodeExecutionMetaData): Uint8Array {
  pos = 0;
  string(1, m.retryGroup);
  bool(2, m.isParentNode);
  string(3, m.specNodeId);
  bool(4, m.isDynamic);
  bool(5, m.isArray);
  bool(6, m.isEager);
  return finish();
}

/** toBinary(TaskExecutionClosureSchema, c), byte for byte. */
export function encodeTaskClosure(c: TaskExecutionClosure): Uint8Array {
  if (!plain(c) || c.customInfo !== undefined || !plain(c.metadata) || !c.reasons.every(plain))
    return toBinary(TaskExecutionClosureSchema, c);
  pos = 0;
  const out = c.outputResult;
  outputHead(out, c.phase);
  for (const log of c.logs) message(4, TaskLogSchema, log);
  times(5, c);
  string(10, c.reason);
  string(11, c.taskType);
  if (out.case === "outputData") message(12, LiteralMapSchema, out.value);
  if (c.metadata !== undefined) taskMetadata(16, c.metadata);
  int32Field(17, c.eventVersion);
  for (const r of c.reasons) reason(18, r);
  message(19, LogContextSchema, c.logContext);
  return finish();
}

function taskMetadata(field: number, m: TaskExecutionMetadata): void {
  const at = begin(field);
  string(1, m.generatedName);
  for (const r of m.externalResources) message(2, ExternalResourceInfoSchema, r);
  for (const r of m.resourcePoolInfo) message(3, ResourcePoolInfoSchema, r);
  string(4, m.pluginIdentifier);
  int32Field(16, m.instanceClass);
  end(at);
}

function reason(field: number, r: Reason): void {
  const at = begin(field);
  secondsNanos(1, r.occurredAt);
  string(2, r.message);
  end(at);
}
