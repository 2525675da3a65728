import { test } from "node:test";
import assert from "node:assert/strict";
import { create, toJson } from "@bufbuild/protobuf";
import {
  BindingDataSchema,
  LiteralMapSchema,
  LiteralSchema,
  type BindingData,
  type Literal,
} from "@aloft/idl/flyteidl/core/literals_pb.js";
import { NodeSchema, type Node } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { putMessage } from "@aloft/core";
import { decodeMsgpack, encodeMsgpack, type MsgpackValue } from "@aloft/core";
import { MemoryBlobStore } from "@aloft/core";
import { BindingResolutionError, resolveBindings } from "./bindings.ts";
import type { Scope } from "./context.ts";
import { b, intLit, strLit } from "../testing/workflows.ts";

const blobs = new MemoryBlobStore();

function scope(nodes: Node[] = []): Scope {
  return {
    exec: { deps: { blobs }, outputsCache: new Map() },
    nodes: new Map(nodes.map((n) => [n.id, n])),
    outputDirOf: (id: string) => (id === "gone" ? undefined : `out/${id}/0`),
  } as unknown as Scope;
}

const promise = (nodeId: string, v: string, path: (string | number)[] = []): BindingData =>
  create(BindingDataSchema, {
    value: {
      case: "promise",
      value: {
        nodeId,
        var: v,
        attrPath: path.map((p) => ({
          value:
            typeof p === "string"
              ? { case: "stringValue" as const, value: p }
              : { case: "intValue" as const, value: p },
        })),
      },
    },
  });

const coll = (...ls: Literal[]) => create(LiteralSchema, { value: { case: "collection", value: { literals: ls } } });
const map = (m: Record<string, Literal>) => create(LiteralSchema, { value: { case: "map", value: { literals: m } } });
const struct = (v: Record<string, unknown>) =>
  create(LiteralSchema, { value: { case: "scalar", value: { value: { case: "generic", value: v as never } } } });

async function outputs(nodeId: string, literals: Record<string, Literal>) {
  await putMessage(blobs, `out/${nodeId}/0/outputs.pb`, LiteralMapSchema, create(LiteralMapSchema, { literals }));
}

const resolve = async (bd: BindingData, nodes: Node[] = []) =>
  (await resolveBindings(scope(nodes), [b.bind("v", bd)])).literals["v"]!;
const json = (l: Literal) => toJson(LiteralSchema, l);

test("scalars, collections and maps resolve element-wise, promises from outputs.pb", async () => {
  await outputs("p", { o: intLit(7), list: coll(intLit(1), intLit(2)), m: map({ k: strLit("s") }) });
  assert.deepEqual(json(await resolve(b.int(3))), json(intLit(3)));
  assert.deepEqual(json(await resolve(b.list(b.int(1), promise("p", "o")))), json(coll(intLit(1), intLit(7))));
  const m = create(BindingDataSchema, { value: { case: "map", value: { bindings: { a: promise("p", "o") } } } });
  assert.deepEqual(json(await resolve(m)), json(map({ a: intLit(7) })));
});

test("output aliases and [i].var", async () => {
  await outputs("q", { o: intLit(9), list: coll(intLit(4), intLit(5)) });
  const producer = create(NodeSchema, { id: "q", outputAliases: [{ var: "o", alias: "nice" }] });
  assert.deepEqual(json(await resolve(promise("q", "nice"), [producer])), json(intLit(9)));
  assert.deepEqual(json(await resolve(promise("q", "[1].list"))), json(intLit(5)));
});

test("attribute paths: map keys, indexes, and into Struct documents", async () => {
  await outputs("r", {
    m: map({ k: coll(intLit(1), intLit(2)) }),
    s: struct({ a: { b: [1, 2.5, "x", true, { c: 1 }, [3]] } }),
  });
  assert.deepEqual(json(await resolve(promise("r", "m", ["k", 1]))), json(intLit(2)));
  assert.deepEqual(json(await resolve(promise("r", "s", ["a", "b", 0]))), json(intLit(1)));
  assert.equal((await resolve(promise("r", "s", ["a", "b", 1]))).value.case, "scalar");
  assert.deepEqual(json(await resolve(promise("r", "s", ["a", "b", 2]))), json(strLit("x")));
  assert.deepEqual(json(await resolve(promise("r", "s", ["a", "b", 4]))), json(struct({ c: 1 })));
  assert.deepEqual(json(await resolve(promise("r", "s", ["a", "b", 5]))), json(coll(intLit(3))));
  await assert.rejects(resolve(promise("r", "m", ["k", 5])), /PromiseAttributeResolveError/);
  await assert.rejects(resolve(promise("r", "s", ["nope"])), /PromiseAttributeResolveError/);
});

test("attribute paths into msgpack binaries stay msgpack", async () => {
  const doc = new Map<MsgpackValue, MsgpackValue>([["a", new Map<MsgpackValue, MsgpackValue>([["b", [10, "y"]]])]]);
  const bin = create(LiteralSchema, {
    value: {
      case: "scalar",
      value: { value: { case: "binary", value: { value: encodeMsgpack(doc), tag: "msgpack" } } },
    },
  });
  await outputs("mp", { o: bin });
  const got = await resolve(promise("mp", "o", ["a", "b", 1]));
  assert.ok(got.value.case === "scalar" && got.value.value.value.case === "binary");
  assert.equal(got.value.value.value.value.tag, "msgpack");
  assert.equal(decodeMsgpack(got.value.value.value.value.value), "y");
  await assert.rejects(resolve(promise("mp", "o", ["a", "zz"])), /PromiseAttributeResolveError/);
});

test("missing producers and outputs are BindingResolutionErrors", async () => {
  await assert.rejects(resolve(promise("gone", "o")), BindingResolutionError);
  await assert.rejects(resolve(promise("never-ran", "o")), /OutputsNotFound/);
  await outputs("t", { o: intLit(1) });
  await assert.rejects(resolve(promise("t", "other")), /OutputsNotFound/);
});

test("offloaded literals are read from their URI", async () => {
  await putMessage(blobs, "off/lit.pb", LiteralSchema, intLit(42));
  await outputs("u", {
    o: create(LiteralSchema, { value: { case: "offloadedMetadata", value: { uri: blobs.uri("off/lit.pb") } } }),
  });
  assert.deepEqual(json(await resolve(promise("u", "o"))), json(intLit(42)));
});
