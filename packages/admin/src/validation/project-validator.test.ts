import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { ProjectSchema } from "@aloft/idl/flyteidl/admin/project_pb.js";
import { AloftError, Code } from "@aloft/core";
import { validateProjectRegistration } from "./project-validator.ts";

function rejects(init: Parameters<typeof create<typeof ProjectSchema>>[1] | undefined, message: RegExp) {
  assert.throws(
    () => validateProjectRegistration(init === undefined ? undefined : create(ProjectSchema, init)),
    (e: unknown) => e instanceof AloftError && e.code === Code.INVALID_ARGUMENT && message.test(e.message),
  );
}

test("registration checks run in upstream's order with its messages", () => {
  rejects(undefined, /^missing project$/);
  rejects({}, /^missing project_name$/);
  rejects({ name: "n" }, /^missing project_id$/);
  rejects({ id: "UPPER", name: "n" }, /^invalid project id \[UPPER\]/);
  rejects({ id: "-dash", name: "n" }, /invalid project id/);
  rejects({ id: "a".repeat(64), name: "n" }, /must be no more than 63 characters/);
  rejects({ id: "ok", name: "n".repeat(65) }, /project_name cannot exceed 64 characters/);
  rejects({ id: "ok", name: "n", description: "d".repeat(301) }, /project_description cannot exceed 300/);
  rejects({ id: "ok", name: "n", domains: [{ id: "x" }] }, /Domains are currently only set system wide/);
  rejects({ id: "ok", name: "n", labels: { values: { "bad key!": "v" } } }, /invalid label key/);
  rejects({ id: "ok", name: "n", labels: { values: { k: "bad value!" } } }, /invalid label value/);
  const many: Record<string, string> = {};
  for (let i = 0; i < 17; i++) many[`k${i}`] = "v";
  rejects({ id: "ok", name: "n", labels: { values: many } }, /labels has too many entries \[17 > 16\]/);
});

test("valid projects pass, including label prefixes and 63-character ids", () => {
  validateProjectRegistration(
    create(ProjectSchema, {
      id: "a".repeat(63),
      name: "n",
      labels: { values: { "example.com/team": "ml-1", empty: "" } },
    }),
  );
});
