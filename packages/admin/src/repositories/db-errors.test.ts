import assert from "node:assert/strict";
import { test } from "node:test";
import { sql } from "kysely";
import { AloftError, Code } from "@aloft/core";
import { forEachDatabase } from "@aloft/testkit";
import { isConnectionError, isUniqueViolation, translateDbError, withDbErrors } from "./db-errors.ts";

test("driver error codes", () => {
  assert.equal(isUniqueViolation({ code: "23505" }), true);
  assert.equal(isUniqueViolation({ code: "SQLITE_CONSTRAINT_UNIQUE" }), true);
  assert.equal(isUniqueViolation({ code: "SQLITE_CONSTRAINT_PRIMARYKEY" }), true);
  assert.equal(isUniqueViolation({ code: "SQLITE_CONSTRAINT_NOTNULL" }), false);
  assert.equal(isUniqueViolation(new Error("x")), false);
  assert.equal(isUniqueViolation(null), false);
  const ae = translateDbError({
    code: "23505",
    message: 'duplicate key value violates unique constraint "projects_pkey"',
  });
  assert.equal(ae.code, Code.ALREADY_EXISTS);
  assert.equal(
    ae.message,
    'value with matching already exists (duplicate key value violates unique constraint "projects_pkey")',
  );
  assert.equal(translateDbError({ code: "23505" }, "custom").message, "custom");
  assert.equal(translateDbError(new Error("boom")).code, Code.INTERNAL);
  assert.equal(translateDbError("weird").code, Code.INTERNAL);
  const original = new AloftError(Code.NOT_FOUND, "x", "kept");
  assert.equal(translateDbError(original), original);
});

test("a lost or refused connection is UNAVAILABLE, a query's own failure is not", () => {
  for (const code of ["57P01", "57P02", "57P03", "08006", "08001", "08P01", "ECONNRESET", "ECONNREFUSED", "EPIPE"]) {
    assert.equal(isConnectionError({ code, message: "x" }), true, code);
    assert.equal(translateDbError({ code, message: "x" }).code, Code.UNAVAILABLE, code);
  }
  assert.equal(translateDbError(new Error("Connection terminated unexpectedly")).code, Code.UNAVAILABLE);
  assert.equal(
    translateDbError(new Error("Client has encountered a connection error and is not queryable")).code,
    Code.UNAVAILABLE,
  );
  for (const code of ["42601", "22021", "57014", "23503", "SQLITE_BUSY"])
    assert.equal(isConnectionError({ code, message: "x" }), false, code);
});

forEachDatabase("db errors", (getDb) => {
  test("a real unique violation becomes ALREADY_EXISTS, a syntax error INTERNAL", async () => {
    const { db } = getDb();
    const insert = () =>
      sql`insert into projects (created_at, updated_at, identifier, name, description) values (1, 1, 'u', 'u', '')`.execute(
        db,
      );
    await withDbErrors(insert);
    await assert.rejects(
      withDbErrors(insert),
      (err: unknown) => err instanceof AloftError && err.code === Code.ALREADY_EXISTS,
    );
    await assert.rejects(
      withDbErrors(() => sql`selec 1`.execute(db)),
      (err: unknown) => err instanceof AloftError && err.code === Code.INTERNAL,
    );
  });
});
