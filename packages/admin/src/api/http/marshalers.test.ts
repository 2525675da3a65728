import { test } from "node:test";
import assert from "node:assert/strict";
import { create, createRegistry, toBinary, type Message } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { StatusSchema } from "@aloft/idl/google/rpc/status_pb.js";
import { ProjectSchema, ProjectListRequestSchema } from "@aloft/idl/flyteidl/admin/project_pb.js";
import { CreateWorkflowFailureReasonSchema } from "@aloft/idl/flyteidl/admin/workflow_pb.js";
import { IdentifierSchema, ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import {
  firstJsonValue,
  float32Json,
  jsonMarshaler,
  MIME_JSON,
  MIME_PROTO,
  protoMarshaler,
  type Marshaler,
} from "./marshalers.ts";
import { marshalersForRequest, parseMediaType, type MarshalerRegistry } from "./negotiation.ts";
import { AllSchema, InnerSchema, testRegistry } from "./test-schema.ts";

const registry = createRegistry(
  testRegistry,
  ProjectSchema,
  StatusSchema,
  CreateWorkflowFailureReasonSchema,
  IdentifierSchema,
);
const json = jsonMarshaler({ name: "json", useProtoFieldName: true, ignoreUnknownFields: false, registry });
const wildcard = jsonMarshaler({ name: "wildcard", useProtoFieldName: false, ignoreUnknownFields: true, registry });
const proto = protoMarshaler();
const prop = (m: Message, k: string) => (m as unknown as Record<string, unknown>)[k];
const text = (m: Marshaler, schema: Parameters<Marshaler["marshal"]>[0], msg: Message) =>
  JSON.parse(Buffer.from(m.marshal(schema, msg)).toString());

test("application/json: proto names, every field, null for unset messages but not oneof members", () => {
  const got = text(json, AllSchema, create(AllSchema) as Message);
  assert.deepEqual(got, {
    i32: 0,
    i64: "0",
    u32: 0,
    u64: "0",
    f: 0,
    d: 0,
    b: false,
    s: "",
    by: "",
    color: "COLOR_UNSPECIFIED",
    colors: [],
    names: [],
    labels: {},
    ts: null,
    dur: null,
    inner: null,
    wrapped: null,
    mask: null,
    st: null,
    snake_case_name: "",
    nums: [],
    inners: [],
    inner_map: {},
  });
  // Keys in declaration order, as protojson writes them.
  assert.deepEqual(Object.keys(got).slice(12, 17), ["labels", "ts", "dur", "inner", "wrapped"]);
});

test("nulls are added at every depth: nested, repeated and map message values", () => {
  const inner = create(InnerSchema, { name: "x" } as never);
  const msg = create(AllSchema, {
    inner,
    inners: [inner],
    innerMap: { k: inner },
    choice: { case: "bInner", value: inner },
  } as never);
  const got = text(wildcard, AllSchema, msg as Message);
  const innerJson = { name: "x", color: "COLOR_UNSPECIFIED", child: null };
  assert.deepEqual(got.inner, innerJson);
  assert.deepEqual(got.inners, [innerJson]);
  assert.deepEqual(got.innerMap, { k: innerJson });
  assert.deepEqual(got.bInner, innerJson);
  assert.equal("a" in got, false);
});

test("float32 values are written as their shortest float32 decimal, as protojson does", () => {
  const msg = create(AllSchema, { f: 0.9, d: 0.9 } as never);
  const got = text(json, AllSchema, msg as Message);
  assert.equal(got.f, 0.9);
  assert.equal(got.d, 0.9);
  assert.equal(float32Json(Math.fround(1e-7)), 1e-7);
  assert.equal(float32Json(Math.fround(3.4028234663852886e38)), 3.4028235e38);
  assert.equal(float32Json(Math.fround(16777217)), 16777216);
});

test("map entries are written in key order", () => {
  const msg = create(AllSchema, { labels: { zeta: "1", alpha: "2", mid: "3" } } as never);
  assert.deepEqual(Object.keys(text(json, AllSchema, msg as Message).labels), ["alpha", "mid", "zeta"]);
});

test("wildcard: lowerCamelCase json names", () => {
  const got = text(wildcard, ProjectListRequestSchema, create(ProjectListRequestSchema, { limit: 3 }));
  assert.deepEqual(got, { limit: 3, token: "", filters: "", sortBy: null, org: "" });
});

test("Status with Any details, JSON and binary", () => {
  const id = create(IdentifierSchema, {
    resourceType: ResourceType.WORKFLOW,
    project: "p",
    domain: "d",
    name: "n",
    version: "v",
  });
  const detail = create(CreateWorkflowFailureReasonSchema, {
    reason: { case: "existsIdenticalStructure", value: { id } },
  });
  const status = create(StatusSchema, {
    code: 6,
    message: "exists",
    details: [anyPack(CreateWorkflowFailureReasonSchema, detail)],
  });
  assert.deepEqual(text(json, StatusSchema, status), {
    code: 6,
    message: "exists",
    details: [
      {
        "@type": "type.googleapis.com/flyteidl.admin.CreateWorkflowFailureReason",
        exists_identical_structure: {
          id: { resource_type: "WORKFLOW", project: "p", domain: "d", name: "n", version: "v", org: "" },
        },
      },
    ],
  });
  assert.deepEqual(proto.marshal(StatusSchema, status), toBinary(StatusSchema, status));
});

test("unknown JSON fields: rejected by application/json, ignored by the wildcard", () => {
  const body = Buffer.from('{"limit": 5, "bogus": 1}');
  assert.throws(() => json.unmarshal(ProjectListRequestSchema, body), /bogus/);
  assert.equal(prop(wildcard.unmarshal(ProjectListRequestSchema, body), "limit"), 5);
  // Both proto and json names are accepted.
  assert.equal(
    (
      json.unmarshal(ProjectListRequestSchema, Buffer.from('{"sort_by":{"key":"a"}}')) as never as {
        sortBy: { key: string };
      }
    ).sortBy.key,
    "a",
  );
  assert.equal(
    (
      json.unmarshal(ProjectListRequestSchema, Buffer.from('{"sortBy":{"key":"b"}}')) as never as {
        sortBy: { key: string };
      }
    ).sortBy.key,
    "b",
  );
});

test("JSON bodies: empty is an empty message, trailing data after the object is ignored, non-objects fail", () => {
  assert.equal(prop(json.unmarshal(ProjectListRequestSchema, Buffer.from("  \n")), "limit"), 0);
  assert.equal(prop(json.unmarshal(ProjectListRequestSchema, Buffer.from('{"limit":2} trailing')), "limit"), 2);
  for (const bad of ["[]", "null", "5", '"x"', "{", '{"limit":"x"}', '{"limit":1,"limit":2}']) {
    assert.throws(() => json.unmarshal(ProjectListRequestSchema, Buffer.from(bad)), Error, bad);
  }
  assert.throws(
    () => json.unmarshal(ProjectListRequestSchema, Buffer.from('\ufeff{"limit":1}')),
    Error,
    "byte order mark",
  );
  assert.throws(
    () => json.unmarshal(ProjectListRequestSchema, Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])),
    Error,
    "invalid UTF-8",
  );
  assert.equal(firstJsonValue(' {"a":"}{"} x'), '{"a":"}{"}');
  assert.equal(firstJsonValue("\t"), undefined);
});

test("binary: round trip, empty body, garbage rejected", () => {
  const p = create(ProjectSchema, { id: "p", name: "n" });
  assert.equal(prop(proto.unmarshal(ProjectSchema, proto.marshal(ProjectSchema, p)), "id"), "p");
  assert.equal(prop(proto.unmarshal(ProjectSchema, new Uint8Array()), "id"), "");
  assert.throws(() => proto.unmarshal(ProjectSchema, new Uint8Array([0xff, 0xff, 0xff])));
});

test("media types as Go's mime.ParseMediaType", () => {
  assert.equal(parseMediaType("application/json"), "application/json");
  assert.equal(parseMediaType("Application/JSON; charset=utf-8"), "application/json");
  assert.equal(parseMediaType('application/json; charset="utf-8";'), "application/json");
  assert.equal(parseMediaType("text"), "text");
  for (const bad of [
    "",
    "/json",
    "application/",
    "application/json/x",
    "application/json; charset",
    "application/json; a=1; a=2",
    "a b/c",
  ]) {
    assert.equal(parseMediaType(bad), undefined, bad);
  }
});

test("negotiation: exact Accept match, inbound from Content-Type, outbound defaults to inbound, else wildcard", () => {
  const reg: MarshalerRegistry = {
    byMime: new Map([
      [MIME_JSON, json],
      [MIME_PROTO, proto],
    ]),
    wildcard,
  };
  const pick = (h: Record<string, string[]>) => {
    const { inbound, outbound } = marshalersForRequest(reg, h);
    return `${inbound.name}/${outbound.name}`;
  };
  assert.equal(pick({}), "wildcard/wildcard");
  assert.equal(pick({ accept: ["application/json"] }), "wildcard/json");
  assert.equal(pick({ accept: ["application/json, text/plain"] }), "wildcard/wildcard");
  assert.equal(pick({ accept: ["*/*"] }), "wildcard/wildcard");
  assert.equal(pick({ accept: ["text/plain", "application/octet-stream"] }), "wildcard/proto");
  assert.equal(pick({ "content-type": ["application/json; charset=utf-8"] }), "json/json");
  assert.equal(pick({ "content-type": ["application/octet-stream"], accept: ["application/json"] }), "proto/json");
  assert.equal(pick({ "content-type": ["application/json; bad"] }), "wildcard/wildcard");
  assert.equal(pick({ "content-type": ["application/x-www-form-urlencoded"] }), "wildcard/wildcard");
});
