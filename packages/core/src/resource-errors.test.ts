// A full disk (tested for real on a small tmpfs in packages/server/test/faults/disk-full.e2e.test.ts) (and other exhausted host resources) reaches clients as RESOURCE_EXHAUSTED, not INTERNAL (issue 9 row 5).
import { test } from "node:test";
import assert from "node:assert/strict";
import { AloftError, Code, resourceExhausted, toAloftError } from "./errors.ts";

const sysErr = (code: string) => Object.assign(new Error(`${code}: something, write`), { code });

test("ENOSPC, EDQUOT, EMFILE, ENFILE map to RESOURCE_EXHAUSTED at the edge; other errors stay INTERNAL", () => {
  for (const code of ["ENOSPC", "EDQUOT", "EMFILE", "ENFILE"]) {
    const e = toAloftError(sysErr(code));
    assert.equal(e.code, Code.RESOURCE_EXHAUSTED, code);
    assert.match(e.message, new RegExp(code));
  }
  assert.equal(toAloftError(new Error("wrapped", { cause: sysErr("ENOSPC") })).code, Code.RESOURCE_EXHAUSTED);
  assert.equal(toAloftError(sysErr("EACCES")).code, Code.INTERNAL);
  assert.equal(toAloftError(new Error("bug")).code, Code.INTERNAL);
  assert.equal(resourceExhausted(sysErr("ENOENT")), undefined);
  const mine = new AloftError(Code.NOT_FOUND, "x", "y");
  assert.equal(toAloftError(mine), mine);
});
