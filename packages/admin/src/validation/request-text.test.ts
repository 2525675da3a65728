import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { ExecutionCreateRequestSchema } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { ProjectRegisterRequestSchema } from "@aloft/idl/flyteidl/admin/project_pb.js";
import { findInvalidText } from "./request-text.ts";

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
