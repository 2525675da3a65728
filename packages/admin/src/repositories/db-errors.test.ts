import assert from "node:assert/strict";
import { test } from "node:test";
import { sql } from "kysely";
import { AloftError, Code } from "@aloft/core/errors.ts";
import { forEachDatabase } from "@aloft/testkit/databases.ts";
import { isUniqueViolation, translateDbError, withDbErrors } from "./db-errors.ts";

test("driver error codes", () => {
  assert.equal(isUniqueViolation({ code: "23505" }), true);
  assert.equal(isUniqueViolation({ code: "SQLITE_CONSTRAINT_UNIQUE" }), true);
  assert.equal(isUniqueViolation({ code: "SQLITE_CONSTRAINT_PRIMARYKEY" }), true);
  assert.equal(isUniqueViolation({ code: "SQLITE_CONSTRAINT_NOTNULL" }), false);
  assert.equal(isUniqueViolation(new Error("x")), false);
  assert.equal(isUniqueViolation(null), false);
  const ae = translateDbError({ code: "23505", message: 'duplicate key value violates unique constraint "projects_pkey"' });
  assert.equal(ae.code, Code.ALREADY_EXISTS);
  assert.equal(ae.message, 'value with matching already exists (duplicate key value violates unique constraint "projects_pkey")');
  assert.equal(translateDbError({ code: "23505" }, "custom").message, "custom");
  assert.equal(translateDbError(new Error("boom")).code, Code.INTERNAL);
  assert.equal(translateDbError("weird").code, Code.INTERNAL);
  const original = new AloftError(Code.NOT_FOUND, "x", "kept");
  assert.equal(translateDbError(original), original);
});

forEachDatabase("db errors", (getDb) => {
  test("a real unique violation becomes ALREADY_EXISTS, a syntax error INTERNAL", async () => {
    const { db } = getDb();
    const insert = () =>
      sql`insert into projects (created_at, updated_at, identifier, name, description) values (1, 1, 'u', 'u', '')`.execute(db);
    await withDbErrors(insert);
    await assert.rejects(withDbErrors(insert), (err: unknown) => err instanceof AloftError && err.code === Code.ALREADY_EXISTS);
    await assert.rejects(
      withDbErrors(() => sql`selec 1`.execute(db)),
      (err: unknown) => err instanceof AloftError && err.code === Code.INTERNAL,
    );
  });
});
