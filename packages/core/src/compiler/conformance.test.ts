// Conformance against upstream's compiled goldens for the flytesnacks fixtures: every task and workflow is
// compiled here and compared with what flytepropeller v1.16.5 produced. A difference fails the test unless the
// fixture is allow-listed (conformance-allowlist.ts) with a reason that docs/compatibility.md also records.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { clone, create, equals, toJson, type JsonValue } from "@bufbuild/protobuf";
import {
  CompiledTaskSchema,
  CompiledWorkflowClosureSchema,
  type CompiledTask,
} from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { KeyValuePairSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { TaskTemplateSchema, type TaskTemplate } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { ALLOWED_DIFFERENCES } from "./conformance-allowlist.ts";
import { fixturesDir, loadFixtures, type FixtureSet } from "./testing/fixtures.ts";
import {
  END_NODE_ID,
  START_NODE_ID,
  formatCompileErrors,
  getRequirements,
  identifierText,
  launchPlanInterfaceOf,
  tryCompileTask,
  tryCompileWorkflow,
} from "./index.ts";

const dir = fixturesDir();
const compatibilityDoc = join(import.meta.dirname, "../../../../docs/compatibility.md");

/** Upstream's golden harness adds three config entries to every container task before compiling it. */
function withHarnessDefaults(template: TaskTemplate): TaskTemplate {
  const t = clone(TaskTemplateSchema, template);
  if (t.target.case === "container") {
    for (const i of [1, 2, 3]) {
      t.target.value.config.push(create(KeyValuePairSchema, { key: `testKey${i}`, value: `testValue${i}` }));
    }
  }
  return t;
}

/** Paths where two JSON values differ (at most `limit`). */
function jsonDiff(
  a: JsonValue | undefined,
  b: JsonValue | undefined,
  path = "$",
  out: string[] = [],
  limit = 20,
): string[] {
  if (out.length >= limit) return out;
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || a === null || b === null) {
    if (a !== b) out.push(`${path}: ours=${JSON.stringify(a)} golden=${JSON.stringify(b)}`);
    return out;
  }
  if (typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      jsonDiff((a as Record<string, JsonValue>)[k], (b as Record<string, JsonValue>)[k], `${path}.${k}`, out, limit);
    }
    return out;
  }
  if (a !== b) out.push(`${path}: ours=${JSON.stringify(a)} golden=${JSON.stringify(b)}`);
  return out;
}

function compare<T extends { $typeName: string }>(
  fixture: string,
  schema: Parameters<typeof toJson>[0],
  ours: T,
  golden: T,
): void {
  if (equals(schema, ours, golden)) {
    assert.ok(
      !ALLOWED_DIFFERENCES.some((d) => d.fixture === fixture),
      `${fixture} now matches upstream exactly: remove it from the allow-list and docs/compatibility.md`,
    );
    return;
  }
  const oursJson = toJson(schema, ours);
  const goldenJson = toJson(schema, golden);
  const allowed = ALLOWED_DIFFERENCES.find((d) => d.fixture === fixture);
  if (allowed) {
    const diff = jsonDiff(allowed.normalize(oursJson), allowed.normalize(goldenJson));
    assert.deepEqual(diff, [], `${fixture} differs beyond its documented normalization (${allowed.reason})`);
    return;
  }
  assert.fail(`${fixture} differs from upstream's golden:\n  ${jsonDiff(oursJson, goldenJson).join("\n  ")}`);
}

function compileAllTasks(set: FixtureSet): Map<string, CompiledTask> {
  const out = new Map<string, CompiledTask>();
  for (const t of set.tasks) {
    const r = tryCompileTask(withHarnessDefaults(t.spec.template!));
    if (r.ok) out.set(identifierText(r.value.template?.id), r.value);
  }
  return out;
}

if (!dir) {
  describe("compiler conformance (flytesnacks)", () => {
    it("needs the fixtures", {
      skip: "NO FIXTURES: set ALOFT_FLYTESNACKS_DIR to the flytesnacks fixture directory",
    }, () => {});
  });
} else {
  const set = loadFixtures(dir);
  const compiledTasks = compileAllTasks(set);
  const launchPlans = set.launchPlans.map(launchPlanInterfaceOf);

  describe("compiler conformance: tasks", () => {
    it("finds the fixture set", () => {
      assert.ok(set.tasks.length >= 80, `only ${set.tasks.length} task fixtures`);
      assert.ok(set.tasks.filter((t) => t.golden).length >= 80);
    });
    for (const t of set.tasks) {
      it(t.name, () => {
        const r = tryCompileTask(withHarnessDefaults(t.spec.template!));
        assert.ok(r.ok, r.ok ? "" : formatCompileErrors(r.errors));
        if (t.golden) compare(t.name, CompiledTaskSchema, r.value, t.golden);
      });
    }
  });

  describe("compiler conformance: workflows", () => {
    it("finds the fixture set", () => {
      assert.ok(set.workflows.length >= 40, `only ${set.workflows.length} workflow fixtures`);
      assert.ok(set.workflows.filter((w) => w.golden).length >= 40);
    });
    for (const w of set.workflows) {
      it(w.name, () => {
        const template = w.spec.template!;
        const reqs = getRequirements(template, w.spec.subWorkflows);
        const tasks = reqs.taskIds.map((id) => {
          const task = compiledTasks.get(identifierText(id));
          assert.ok(task, `task ${identifierText(id)} is not in the fixture set`);
          return task;
        });
        const r = tryCompileWorkflow(template, w.spec.subWorkflows, tasks, launchPlans);
        assert.ok(r.ok, r.ok ? "" : formatCompileErrors(r.errors));
        if (w.golden) {
          compare(w.name, CompiledWorkflowClosureSchema, r.value, w.golden);
        } else {
          // Upstream's harness compiles without sub-workflows, so these have no golden: check their shape.
          assert.equal(r.value.subWorkflows.length, w.spec.subWorkflows.length);
          for (const sub of r.value.subWorkflows) {
            const ids = sub.template?.nodes.map((n) => n.id) ?? [];
            assert.deepEqual(ids.slice(0, 2), [START_NODE_ID, END_NODE_ID]);
            assert.ok(sub.connections, "sub-workflow compiled with connections");
            assert.ok((sub.connections.downstream[START_NODE_ID]?.ids.length ?? 0) > 0);
          }
        }
      });
    }
  });

  describe("compiler conformance: allow-list", () => {
    it("documents every allowed difference in docs/compatibility.md", () => {
      assert.ok(existsSync(compatibilityDoc), `${compatibilityDoc} is missing`);
      const doc = readFileSync(compatibilityDoc, "utf8");
      assert.match(doc, /^## Compiler/m);
      for (const d of ALLOWED_DIFFERENCES) {
        assert.ok(d.reason.length > 0, `${d.fixture} needs a reason`);
        assert.ok(doc.includes(d.fixture), `${d.fixture} is allow-listed but not in docs/compatibility.md`);
      }
    });
  });
}
