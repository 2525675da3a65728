import assert from "node:assert/strict";
import { test } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ExecutionCreateRequestSchema } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { ProjectRegisterRequestSchema, ProjectSchema } from "@aloft/idl/flyteidl/admin/project_pb.js";
import { findInvalidText, noteDecoded } from "./request-text.ts";

test("finds NUL and lone surrogates in strings, repeated strings, map keys and values, oneofs; names the field", () => {
  const p = (init: object) =>
    findInvalidText(ProjectRegisterRequestSchema, create(ProjectRegisterRequestSchema, init as never));
  assert.equal(p({ project: { id: "ok", name: "Größe 😀", labels: { values: { a: "b" } } } }), undefined);
  assert.deepEqual(p({ project: { id: "x", description: "a\u0000" } }), {
    path: "project.description",
    problem: "contains a NUL character",
  });
  assert.equal(p({ project: { id: "x", labels: { values: { "k\u0000": "v" } } } })?.path, "project.labels.values key");
  assert.equal(p({ project: { id: "x", labels: { values: { k: "\ud800" } } } })?.problem, "is not valid UTF-8");
  assert.equal(p({ project: { id: "x", domains: [{ id: "d", name: "\u0000" }] } })?.path, "project.domains.name");
});

test("literal values are user data kept in blobs: a NUL in a string input is not refused", () => {
  const req = create(ExecutionCreateRequestSchema, {
    project: "p",
    domain: "d",
    name: "n",
    inputs: {
      literals: {
        s: {
          value: {
            case: "scalar",
            value: { value: { case: "primitive", value: { value: { case: "stringValue", value: "a\u0000b" } } } },
          },
        },
      },
    },
  });
  assert.equal(findInvalidText(ExecutionCreateRequestSchema, req), undefined);
  req.name = "n\u0000";
  assert.equal(findInvalidText(ExecutionCreateRequestSchema, req)?.path, "name");
});

test("a message decoded from bytes without a 0x00 byte holds no bad text; with one, it is walked as ever", () => {
  const decoded = (bytes: Uint8Array) => {
    const m = fromBinary(ProjectRegisterRequestSchema, bytes);
    noteDecoded(m, bytes);
    return m;
  };
  const wire = (description: string) =>
    toBinary(ProjectRegisterRequestSchema, create(ProjectRegisterRequestSchema, { project: { id: "x", description } }));
  const fine = decoded(wire("fine"));
  assert.equal(findInvalidText(ProjectRegisterRequestSchema, fine), undefined);
  // The answer is about the bytes: a string changed afterwards (never done outside this test) goes unseen.
  fine.project!.description = "late\u0000";
  assert.equal(findInvalidText(ProjectRegisterRequestSchema, fine), undefined);
  assert.equal(
    findInvalidText(ProjectRegisterRequestSchema, decoded(wire("a\u0000")))?.problem,
    "contains a NUL character",
  );
  // Invalid UTF-8 (a surrogate's three bytes, ED A0 80) never decodes to an unpaired surrogate (a proto3 string
  // refuses it): nothing bad can come out of bytes without 0x00.
  const description = ProjectSchema.fields.find((f) => f.localName === "description")!.number;
  const project = new BinaryWriter()
    .tag(1, WireType.LengthDelimited)
    .string("x")
    .tag(description, WireType.LengthDelimited)
    .bytes(Uint8Array.of(0x61, 0xed, 0xa0, 0x80))
    .finish();
  assert.throws(() => decoded(new BinaryWriter().tag(1, WireType.LengthDelimited).bytes(project).finish()), {
    message: /not valid for encoding utf-8/,
  });
});
