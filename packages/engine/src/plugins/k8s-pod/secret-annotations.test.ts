// The secret annotations the webhook reads: round trip, and the text format Go's proto.MarshalTextString writes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { SecretSchema, Secret_MountType } from "@aloft/idl/flyteidl/core/security_pb.js";
import { parseSecretText, secretAnnotations, secretsFromAnnotations } from "./secret-annotations.ts";

test("secret annotations round trip, one per secret, in order", () => {
  const secrets = [
    create(SecretSchema, { group: "user-info", key: "token", mountRequirement: Secret_MountType.ENV_VAR, envVar: "T" }),
    create(SecretSchema, {
      group: "db",
      groupVersion: "v2",
      key: 'pass"word',
      mountRequirement: Secret_MountType.FILE,
    }),
    create(SecretSchema, { group: "any", key: "k" }),
  ];
  const annotations = secretAnnotations(secrets);
  assert.deepEqual(Object.keys(annotations), ["flyte.secrets/s0", "flyte.secrets/s1", "flyte.secrets/s2"]);
  for (const v of Object.values(annotations)) assert.match(v, /^[a-z1-6]+$/, "a valid annotation value, no padding");
  const back = secretsFromAnnotations({ ...annotations, unrelated: "x" });
  assert.deepEqual(
    back.map((s) => [s.group, s.groupVersion, s.key, s.mountRequirement, s.envVar]),
    secrets.map((s) => [s.group, s.groupVersion, s.key, s.mountRequirement, s.envVar]),
  );
});

test("Go's text format (multi-line, spaces after colons) parses; unknown fields are refused", () => {
  const s = parseSecretText('group: "user-info"\nkey: "token"\nmount_requirement: FILE\n');
  assert.deepEqual([s.group, s.key, s.mountRequirement], ["user-info", "token", Secret_MountType.FILE]);
  assert.throws(() => parseSecretText('group: "g" color: "red"'), /unknown secret field/);
});
