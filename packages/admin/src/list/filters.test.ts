import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Kysely, SqliteDialect } from "kysely";
import SqliteDatabase from "better-sqlite3";
import { AloftError, Code } from "@aloft/core";
import { ALLOWED_REFERENCES, ENTITIES, type PrimaryEntity } from "./entities.ts";
import { filtersExpression } from "./compile.ts";
import { makeFilter, parseFilters, referencedEntities } from "./filters.ts";

function isIA(message: string) {
  return (err: unknown) => {
    assert.ok(err instanceof AloftError, String(err));
    assert.equal(err.code, Code.INVALID_ARGUMENT);
    assert.equal(err.message, message);
    return true;
  };
}

test("parses every function, with table-qualified columns", () => {
  const fs = parseFilters(
    "eq(name,a)+ne(name,b)+gt(state,1)+gte(state,1)+lt(state,2)+lte(state,2)+contains(description,x)+not_like(name,a%)+value_in(identifier,a;b;c)+value_not_in(identifier,d)",
    "project",
  );
  assert.deepEqual(
    fs.map((f) => [f.fn, f.table, f.column, f.values]),
    [
      ["eq", "projects", "name", ["a"]],
      ["ne", "projects", "name", ["b"]],
      ["gt", "projects", "state", [1]],
      ["gte", "projects", "state", [1]],
      ["lt", "projects", "state", [2]],
      ["lte", "projects", "state", [2]],
      ["contains", "projects", "description", ["x"]],
      ["not_like", "projects", "name", ["a%"]],
      ["value_in", "projects", "identifier", ["a", "b", "c"]],
      ["value_not_in", "projects", "identifier", ["d"]],
    ],
  );
  assert.deepEqual(parseFilters("", "project"), []);
});

test("entity prefixes and the entities each list may reference", () => {
  const fs = parseFilters(
    "eq(launch_plan.name,lp)+eq(workflow.version,v)+eq(execution.phase,RUNNING)+eq(admin_tag.name,t)",
    "execution",
  );
  assert.deepEqual(
    fs.map((f) => [f.entity, f.table, f.column]),
    [
      ["launch_plan", "launch_plans", "name"],
      ["workflow", "workflows", "version"],
      ["execution", "executions", "phase"],
      ["execution_tag", "execution_tags", "key"],
    ],
  );
  assert.deepEqual(referencedEntities(fs, "execution"), ["launch_plan", "workflow", "execution_tag"]);
  assert.throws(() => parseFilters("eq(workflow.name,x)", "task"), isIA("'w' entity is not allowed in filters"));
  assert.throws(() => parseFilters("eq(task.name,x)", "project"), isIA("'t' entity is not allowed in filters"));
  assert.throws(
    () => parseFilters("eq(project.identifier,x)", "execution"),
    isIA("'p' entity is not allowed in filters"),
  );
  assert.deepEqual(parseFilters("eq(project.identifier,x)", "project")[0]?.column, "identifier");
  // An unknown prefix is not a prefix: the whole thing is a (bad) column of the primary entity.
  assert.throws(() => parseFilters("eq(foo.name,x)", "project"), isIA("'p.foo.name' is invalid filter"));
  // Named entity description/state live in the metadata table.
  assert.equal(parseFilters("eq(state,1)", "named_entity")[0]?.table, "named_entity_metadata");
  assert.equal(parseFilters("eq(name,x)", "named_entity")[0]?.table, "entities");
});

test("columns must belong to the referenced entity (raw column names)", () => {
  assert.throws(() => parseFilters("eq(nope,x)", "project"), isIA("'p.nope' is invalid filter"));
  assert.throws(() => parseFilters("eq( name,x)", "project"), isIA("'p. name' is invalid filter"));
  // Upstream validates `project` against the executions columns and rejects it.
  assert.throws(() => parseFilters("eq(project,p)", "execution"), isIA("'e.project' is invalid filter"));
  assert.equal(parseFilters("eq(execution_project,p)", "execution")[0]?.column, "execution_project");
  // Task executions do have a `project` column (the task's), which upstream then maps to execution_project.
  assert.equal(parseFilters("eq(project,p)", "task_execution")[0]?.column, "execution_project");
  for (const [entity, info] of Object.entries(ENTITIES)) assert.ok(info.columns.size > 0, entity);
});

test("values: `;` lists, timestamps to µs, durations to ns", () => {
  assert.deepEqual(parseFilters("value_in(phase,RUNNING;SUCCEEDED)", "execution")[0]?.values, ["RUNNING", "SUCCEEDED"]);
  assert.deepEqual(parseFilters("gt(created_at,1970-01-01T00:00:01Z)", "project")[0]?.values, [1_000_000]);
  assert.deepEqual(parseFilters("gte(duration,1.5)", "execution")[0]?.values, [1.5e9]);
  assert.deepEqual(parseFilters("value_in(duration,1m;2h)", "node_execution")[0]?.values, [60e9, 7200e9]);
  assert.deepEqual(parseFilters("eq(name,  x)", "project")[0]?.values, [" x"]);
  assert.throws(
    () => parseFilters("gt(created_at,yesterday)", "project"),
    isIA("Timestamp yesterday must conform to RFC3339 Nano spec"),
  );
  assert.throws(() => parseFilters("gt(duration,soon)", "execution"), isIA("Failed to parse duration [soon]"));
});

test("malformed expressions and unknown functions", () => {
  for (const bad of ["name", "eq(name)", "eq(name,x)+", "+eq(name,x)", "eq(,x)", "eq(name,)", "()"]) {
    assert.throws(() => parseFilters(bad, "project"), isIA("invalid value for filters"), bad);
  }
  assert.throws(() => parseFilters("like(name,x)", "project"), isIA("unrecognized filter function: like"));
  assert.throws(() => parseFilters("EQ(name,x)", "project"), isIA("unrecognized filter function: EQ"));
  assert.throws(() => parseFilters("eq(name,a;b)", "project"), isIA("invalid single value filter expression: equal"));
});

test("makeFilter builds the implicit filters managers add", () => {
  const f = makeFilter("execution", "eq", "project", "p");
  assert.deepEqual([f.table, f.column, f.values], ["executions", "execution_project", ["p"]]);
  assert.throws(() => makeFilter("project", "eq", "nope", "x"), AloftError);
});

test("SQL metacharacters in values are bound parameters", async () => {
  const db = new Kysely<{ projects: { id: number; name: string } }>({
    dialect: new SqliteDialect({ database: new SqliteDatabase(":memory:") }),
  });
  try {
    const value = "x' OR 1=1 --";
    const fs = parseFilters(`eq(name,${value})+contains(description,") union select * from projects --)`, "project");
    const q = db
      .selectFrom("projects")
      .selectAll()
      .where((eb) => filtersExpression(eb, fs))
      .compile();
    assert.equal(
      q.sql,
      `select * from "projects" where ("projects"."name" = ? and "projects"."description" like ? escape '\\')`,
    );
    assert.deepEqual(q.parameters, [value, `%") union select * from projects --%`]);
    const inList = parseFilters("value_in(identifier,a';b\")", "project");
    const q2 = db
      .selectFrom("projects")
      .selectAll()
      .where((eb) => filtersExpression(eb, inList))
      .compile();
    assert.equal(q2.sql, `select * from "projects" where "projects"."identifier" in (?, ?)`);
    assert.deepEqual(q2.parameters, ["a'", 'b"']);
  } finally {
    await db.destroy();
  }
});

test("a filter with a default value compares COALESCE(column, default)", async () => {
  const db = new Kysely<{ entities: { name: string } }>({
    dialect: new SqliteDialect({ database: new SqliteDatabase(":memory:") }),
  });
  try {
    const [f] = parseFilters("eq(state,1)", "named_entity");
    assert.ok(f);
    const q = db
      .selectFrom("entities")
      .selectAll()
      .where((eb) => filtersExpression(eb, [{ ...f, defaultValue: 0 }]))
      .compile();
    assert.equal(q.sql, `select * from "entities" where coalesce("named_entity_metadata"."state", ?) = ?`);
    assert.deepEqual(q.parameters, [0, 1]);
  } finally {
    await db.destroy();
  }
});

test("property: any filter string parses or raises INVALID_ARGUMENT, never anything else", () => {
  const primaries = Object.keys(ALLOWED_REFERENCES) as PrimaryEntity[];
  const token = fc.oneof(
    fc.constantFrom(
      "eq",
      "ne",
      "gt",
      "gte",
      "lt",
      "lte",
      "contains",
      "not_like",
      "value_in",
      "value_not_in",
      "like",
      "",
    ),
    fc.constantFrom("(", ")", ",", ", ", "+", ";", ".", " ", "\n", "'", '"', "%", "\\", "--"),
    fc.constantFrom(
      "name",
      "state",
      "created_at",
      "duration",
      "phase",
      "project.",
      "execution.",
      "workflow.",
      "entities.",
      "admin_tag.",
    ),
    fc.constantFrom("1", "1.5", "1h", "2024-01-01T00:00:00Z", "x' OR 1=1 --", "NaN", "1e400"),
    fc.string({ maxLength: 4 }),
  );
  const text = fc.oneof(
    fc.array(token, { maxLength: 12 }).map((a) => a.join("")),
    fc.tuple(token, token, token).map(([f, a, b]) => `${f}(${a},${b})`),
    fc.string({ maxLength: 30 }),
  );
  fc.assert(
    fc.property(text, fc.constantFrom(...primaries), (s, primary) => {
      try {
        const fs = parseFilters(s, primary);
        for (const f of fs) {
          assert.ok(
            ENTITIES[f.entity].columns.has(f.column) || f.entity === "execution_tag",
            `${f.entity}.${f.column}`,
          );
          assert.ok(f.values.length >= 1);
        }
      } catch (err) {
        assert.ok(err instanceof AloftError, `not an AloftError: ${String(err)} for ${JSON.stringify(s)}`);
        assert.equal(err.code, Code.INVALID_ARGUMENT, `${err.message} for ${JSON.stringify(s)}`);
      }
    }),
    { numRuns: 5000 },
  );
});

test("values a database could not compare are INVALID_ARGUMENT, not a database error", () => {
  const bad = [
    "eq(state,abc)",
    "contains(state,1)",
    "not_like(state,1%)",
    "eq(labels,x)",
    "value_in(state,1;x)",
    "eq(state,1.5)",
  ];
  for (const f of bad) {
    assert.throws(
      () => parseFilters(f, "project"),
      (e: unknown) => e instanceof AloftError && e.code === Code.INVALID_ARGUMENT,
      f,
    );
  }
  assert.deepEqual(parseFilters("value_in(state,0;1)", "project")[0]?.values, [0, 1]);
});
