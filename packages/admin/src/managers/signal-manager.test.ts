// SignalManager over a real SQLite database: GetOrCreateSignal, ListSignals and SetSignal with upstream's codes and
// messages (upstream flyteidl/protos/flyteidl/service/admin.proto), castability of values to the stored type, overwrites.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { ManualClock } from "@aloft/core/testing";
import { AloftError, Code } from "@aloft/core";
import { silentLogger } from "@aloft/core";
import { SortSchema, Sort_Direction } from "@aloft/idl/flyteidl/admin/common_pb.js";
import {
  SignalGetOrCreateRequestSchema,
  SignalListRequestSchema,
  SignalSetRequestSchema,
} from "@aloft/idl/flyteidl/admin/signal_pb.js";
import { LiteralSchema, type Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema, SimpleType, type LiteralType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { createTestDatabase, type TestDatabase } from "@aloft/testkit";
import { SignalRepo } from "../repositories/signal-repo.ts";
import { executionTableRow } from "../repositories/test-rows.ts";
import { SignalManager } from "./signal-manager.ts";

const EXEC = { project: "p", domain: "d", name: "e1" };
const simple = (value: SimpleType): LiteralType => create(LiteralTypeSchema, { type: { case: "simple", value } });
const INTEGER = simple(SimpleType.INTEGER);
const BOOLEAN = simple(SimpleType.BOOLEAN);
const INT_OR_STRING = create(LiteralTypeSchema, {
  type: { case: "unionType", value: { variants: [INTEGER, simple(SimpleType.STRING)] } },
});
const prim = (p: MessageInitShape<typeof LiteralSchema>["value"]): Literal => create(LiteralSchema, { value: p });
const int = (v: bigint) =>
  prim({ case: "scalar", value: { value: { case: "primitive", value: { value: { case: "integer", value: v } } } } });
const bool = (v: boolean) =>
  prim({ case: "scalar", value: { value: { case: "primitive", value: { value: { case: "boolean", value: v } } } } });
const str = (v: string) =>
  prim({
    case: "scalar",
    value: { value: { case: "primitive", value: { value: { case: "stringValue", value: v } } } },
  });

const rejectsWith = async (p: Promise<unknown>, code: Code, message: string | RegExp) =>
  assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof AloftError, String(e));
    assert.equal(Code[e.code], Code[code], e.message);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });

describe("SignalManager", () => {
  let tdb: TestDatabase;
  let manager: SignalManager;

  const getOrCreate = (signalId: string, type: LiteralType | undefined, execution = EXEC) =>
    manager.getOrCreate(
      create(SignalGetOrCreateRequestSchema, { id: { executionId: execution, signalId }, ...(type ? { type } : {}) }),
    );
  const set = (signalId: string, value: Literal | undefined, execution = EXEC) =>
    manager.set(
      create(SignalSetRequestSchema, { id: { executionId: execution, signalId }, ...(value ? { value } : {}) }),
    );
  const list = (over: Omit<MessageInitShape<typeof SignalListRequestSchema>, "$typeName"> = {}) =>
    manager.list(
      create(SignalListRequestSchema, { workflowExecutionId: EXEC, limit: 100, ...over } as MessageInitShape<
        typeof SignalListRequestSchema
      >),
    );

  before(async () => {
    tdb = await createTestDatabase("sqlite");
  });
  after(() => tdb?.drop());

  beforeEach(async () => {
    const db = tdb.database.db;
    await db.deleteFrom("signals").execute();
    await db.deleteFrom("executions").execute();
    for (const name of ["e1", "e2"]) {
      await db.insertInto("executions").values(executionTableRow(name)).execute();
    }
    manager = new SignalManager({
      repo: new SignalRepo(db, new ManualClock(Date.UTC(2024, 0, 1))),
      logger: silentLogger(),
    });
  });

  test("GetOrCreateSignal creates an unset signal once and then answers it (with its value once set)", async () => {
    const first = await getOrCreate("s", INTEGER);
    assert.equal(first.id?.signalId, "s");
    assert.equal(first.id?.executionId?.name, "e1");
    assert.equal(first.type?.type.value, SimpleType.INTEGER);
    assert.equal(first.value, undefined);
    await set("s", int(42n));
    const again = await getOrCreate("s", INTEGER);
    assert.equal(again.value?.value.case, "scalar");
    assert.deepEqual(again.value, int(42n));
    assert.equal((await list()).signals.length, 1);
  });

  test("GetOrCreateSignal validation: id, execution_id, signal_id, execution id fields, type", async () => {
    await rejectsWith(
      manager.getOrCreate(create(SignalGetOrCreateRequestSchema, { type: INTEGER })),
      Code.INVALID_ARGUMENT,
      "missing id",
    );
    await rejectsWith(
      manager.getOrCreate(create(SignalGetOrCreateRequestSchema, { id: { signalId: "s" }, type: INTEGER })),
      Code.INVALID_ARGUMENT,
      "missing execution_id",
    );
    await rejectsWith(getOrCreate("", INTEGER), Code.INVALID_ARGUMENT, "missing signal_id");
    await rejectsWith(getOrCreate("s", INTEGER, { ...EXEC, project: "" }), Code.INVALID_ARGUMENT, "missing project");
    await rejectsWith(getOrCreate("s", INTEGER, { ...EXEC, domain: "" }), Code.INVALID_ARGUMENT, "missing domain");
    await rejectsWith(getOrCreate("s", INTEGER, { ...EXEC, name: "" }), Code.INVALID_ARGUMENT, "missing name");
    await rejectsWith(getOrCreate("s", undefined), Code.INVALID_ARGUMENT, "missing type");
  });

  test("GetOrCreateSignal for an unknown execution is NOT_FOUND and creates nothing", async () => {
    await rejectsWith(
      getOrCreate("s", INTEGER, { ...EXEC, name: "nope" }),
      Code.NOT_FOUND,
      'missing entity of type execution with identifier project:"p" domain:"d" name:"nope"',
    );
    assert.equal((await tdb.database.db.selectFrom("signals").selectAll().execute()).length, 0);
  });

  test("GetOrCreateSignal with another type than the stored one is ALREADY_EXISTS", async () => {
    await getOrCreate("s", INTEGER);
    await rejectsWith(
      getOrCreate("s", BOOLEAN),
      Code.ALREADY_EXISTS,
      /already exists with type \[simple:INTEGER\], not \[simple:BOOLEAN\]/,
    );
  });

  test("SetSignal: value castable to the stored type; may be set repeatedly (last value wins)", async () => {
    await getOrCreate("approve", BOOLEAN);
    await getOrCreate("n", INTEGER);
    await getOrCreate("u", INT_OR_STRING);
    await set("approve", bool(false));
    await set("approve", bool(true));
    await set("n", int(7n));
    await set("u", int(3n)); // a variant of a union type is castable to it (the compiler's castability)
    const byId = new Map((await list()).signals.map((s) => [s.id?.signalId, s.value]));
    assert.deepEqual(byId.get("approve"), bool(true));
    assert.deepEqual(byId.get("n"), int(7n));
    assert.deepEqual(byId.get("u"), int(3n));
  });

  test("SetSignal errors: unknown signal, wrong type, literal without a value, missing fields — all INVALID_ARGUMENT", async () => {
    await getOrCreate("n", INTEGER);
    await rejectsWith(
      set("nope", int(1n)),
      Code.INVALID_ARGUMENT,
      "failed to validate that signal [{{p d e1} nope}] exists, err: [signal does not exist]",
    );
    await rejectsWith(
      set("n", int(1n), { ...EXEC, name: "e2" }),
      Code.INVALID_ARGUMENT,
      /^failed to validate that signal \[\{\{p d e2\} n\}\] exists/,
    );
    await rejectsWith(
      set("n", str("seven")),
      Code.INVALID_ARGUMENT,
      'requested signal value [scalar:{primitive:{string_value:"seven"}}] is not castable to existing signal type [simple:INTEGER]',
    );
    await rejectsWith(
      set("n", bool(true)),
      Code.INVALID_ARGUMENT,
      /is not castable to existing signal type \[simple:INTEGER\]/,
    );
    await getOrCreate("f", simple(SimpleType.FLOAT));
    await rejectsWith(
      set("f", int(1n)),
      Code.INVALID_ARGUMENT,
      /is not castable to existing signal type \[simple:FLOAT\]/,
    );
    await rejectsWith(
      set("n", create(LiteralSchema)),
      Code.INVALID_ARGUMENT,
      /^Failed to validate literal type for \[\] with err: got unknown literal type/,
    );
    await rejectsWith(set("n", undefined), Code.INVALID_ARGUMENT, "missing value");
    await rejectsWith(set("", int(1n)), Code.INVALID_ARGUMENT, "missing signal_id");
    await rejectsWith(
      manager.set(create(SignalSetRequestSchema, { value: int(1n) })),
      Code.INVALID_ARGUMENT,
      "missing id",
    );
    assert.equal((await list()).signals[0]?.value, undefined, "nothing was written");
  });

  test("ListSignals: scoped to the execution, limit required, filters and sort on signal columns, token paging", async () => {
    for (const id of ["b", "a", "c"]) await getOrCreate(id, INTEGER);
    await getOrCreate("x", INTEGER, { ...EXEC, name: "e2" });
    assert.deepEqual(
      (await list()).signals.map((s) => s.id?.signalId),
      ["b", "a", "c"],
    );
    const sorted = await list({
      sortBy: create(SortSchema, { key: "signal_id", direction: Sort_Direction.ASCENDING }),
    });
    assert.deepEqual(
      sorted.signals.map((s) => s.id?.signalId),
      ["a", "b", "c"],
    );
    assert.deepEqual(
      (await list({ filters: "eq(signal_id,c)" })).signals.map((s) => s.id?.signalId),
      ["c"],
    );
    const page1 = await list({ limit: 2 });
    assert.deepEqual([page1.signals.map((s) => s.id?.signalId), page1.token], [["b", "a"], "2"]);
    const page2 = await list({ limit: 2, token: page1.token });
    assert.deepEqual([page2.signals.map((s) => s.id?.signalId), page2.token], [["c"], ""]);
    assert.deepEqual((await list({ workflowExecutionId: { ...EXEC, name: "unknown" } })).signals, []);
    await rejectsWith(list({ limit: 0 }), Code.INVALID_ARGUMENT, "invalid value for limit");
    await rejectsWith(list({ filters: "eq(phase,RUNNING)" }), Code.INVALID_ARGUMENT, "'s.phase' is invalid filter");
    await rejectsWith(
      list({ sortBy: create(SortSchema, { key: "nope" }) }),
      Code.INVALID_ARGUMENT,
      "invalid sort key 'nope'",
    );
    await rejectsWith(list({ token: "x" }), Code.INVALID_ARGUMENT, "invalid pagination token x for ListSignals");
    await rejectsWith(
      list({ workflowExecutionId: { ...EXEC, domain: "" } }),
      Code.INVALID_ARGUMENT,
      "missing execution_id",
    );
    await rejectsWith(
      manager.list(create(SignalListRequestSchema, { limit: 1 })),
      Code.INVALID_ARGUMENT,
      "missing execution_id",
    );
  });
});
