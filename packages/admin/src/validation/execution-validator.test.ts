// CreateExecution request validation and input resolution (upstream flyteadmin/pkg/manager/impl/validation/validation.go, upstream flyteadmin/pkg/manager/impl/execution_manager.go), messages as upstream words them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { ExecutionCreateRequestSchema } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { ParameterMapSchema } from "@aloft/idl/flyteidl/core/interface_pb.js";
import { LiteralMapSchema, type Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { SimpleType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { type AloftError, Code } from "@aloft/core";
import {
  generateExecutionName,
  resolveExecutionInputs,
  validateExecutionName,
  validateExecutionRequestFields,
  validateExecutionSpec,
  validateTaskExecutionId,
} from "./execution-validator.ts";

const IA = (message: RegExp | string) => (e: AloftError) => {
  assert.equal(e.code, Code.INVALID_ARGUMENT);
  if (typeof message === "string") assert.equal(e.message, message);
  else assert.match(e.message, message);
  return true;
};
const int = (v: number) =>
  ({
    value: {
      case: "scalar",
      value: { value: { case: "primitive", value: { value: { case: "integer", value: BigInt(v) } } } },
    },
  }) as unknown as Literal;
const str = (v: string) =>
  ({
    value: {
      case: "scalar",
      value: { value: { case: "primitive", value: { value: { case: "stringValue", value: v } } } },
    },
  }) as unknown as Literal;
const lits = (m: Record<string, Literal>) => create(LiteralMapSchema, { literals: m });
const INT = { type: { case: "simple" as const, value: SimpleType.INTEGER } };
const params = create(ParameterMapSchema, {
  parameters: {
    req: { var: { type: INT }, behavior: { case: "required", value: true } },
    opt: { var: { type: INT }, behavior: { case: "default", value: int(5) } },
  },
});

test("execution names: generated shape; lower-cased regex and length checks with upstream's messages", () => {
  for (let i = 0; i < 20; i++) assert.match(generateExecutionName(), /^a[bcdfghjklmnpqrstvwxz2456789]{19}$/);
  validateExecutionName("Upper-Case-OK");
  assert.throws(
    () => validateExecutionName("1abc"),
    IA("invalid name format: 1abc, does not match regex '^[a-z][a-z\\-0-9]*$'"),
  );
  assert.throws(() => validateExecutionName("a_b"), IA(/invalid name format: a_b/));
  assert.throws(() => validateExecutionName(`a${"b".repeat(63)}`), IA(/^size of name exceeded length 63 : a/));
});

test("request fields, spec, launched entity type, literal maps", () => {
  assert.throws(
    () => validateExecutionRequestFields(create(ExecutionCreateRequestSchema, { domain: "d" })),
    IA("missing project"),
  );
  assert.throws(
    () => validateExecutionRequestFields(create(ExecutionCreateRequestSchema, { project: "p" })),
    IA("missing domain"),
  );
  const req = (launchPlan: object | undefined) =>
    create(ExecutionCreateRequestSchema, { project: "p", domain: "d", spec: launchPlan ? { launchPlan } : undefined });
  assert.throws(() => validateExecutionSpec(req(undefined), undefined), IA("missing spec"));
  assert.throws(
    () => validateExecutionSpec(req({ project: "p", domain: "d", name: "n" }), undefined),
    IA("missing version"),
  );
  assert.throws(
    () =>
      validateExecutionSpec(
        req({ resourceType: ResourceType.WORKFLOW, project: "p", domain: "d", name: "n", version: "v" }),
        undefined,
      ),
    IA(/^Invalid reference entity resource type \[WORKFLOW\]/),
  );
  const ok = req({ resourceType: ResourceType.TASK, project: "p", domain: "d", name: "n", version: "v" });
  const withNotification = create(ExecutionCreateRequestSchema, {
    project: "p",
    domain: "d",
    spec: {
      launchPlan: { resourceType: ResourceType.LAUNCH_PLAN, project: "p", domain: "d", name: "n", version: "v" },
      notificationOverrides: {
        case: "notifications",
        value: { notifications: [{ phases: [4], type: { case: "email", value: { recipientsEmail: [] } } }] },
      },
    },
  });
  assert.throws(() => validateExecutionSpec(withNotification, undefined), IA("missing recipients"));
  validateExecutionSpec(ok, lits({ x: int(1) }));
  assert.throws(
    () =>
      validateExecutionSpec(
        ok,
        lits({ x: create(LiteralMapSchema).literals.x ?? ({ value: { case: undefined } } as unknown as Literal) }),
      ),
    IA("missing valid literal in inputs x"),
  );
});

test("input resolution: unknown, required, defaults, types, fixed inputs", () => {
  assert.throws(() => resolveExecutionInputs(lits({ zzz: int(1) }), undefined, params), IA("invalid input zzz"));
  assert.throws(() => resolveExecutionInputs(lits({}), undefined, params), IA("expected_inputs req missing"));
  assert.throws(
    () => resolveExecutionInputs(lits({ req: str("x") }), undefined, params),
    IA(/^invalid req input wrong type\. Expected simple:INTEGER, but got simple:STRING/),
  );
  const out = resolveExecutionInputs(lits({ req: int(1) }), lits({ fixed: int(9) }), params);
  assert.deepEqual(Object.keys(out.literals).sort(), ["fixed", "opt", "req"]);
  assert.throws(
    () => resolveExecutionInputs(lits({ req: int(1) }), lits({ req: int(2) }), params),
    IA("fixed_inputs req cannot be overridden"),
  );
});

test("task execution ids need a node execution and a TASK identifier", () => {
  assert.throws(() => validateTaskExecutionId(undefined), IA("missing id"));
  assert.throws(
    () => validateTaskExecutionId({ $typeName: "flyteidl.core.TaskExecutionIdentifier", retryAttempt: 0 } as never),
    IA("missing node_execution_id"),
  );
});
