// Codes and refresh tokens in the database, on SQLite and PostgreSQL: single-use codes, rotation with reuse detection,
// revocation, hashes at rest, and everything still there for a new store (an admin restart) on the same database.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { ManualClock } from "@aloft/core/testing";
import { forEachDatabase } from "@aloft/testkit";
import { GrantStore, REFRESH_LIFETIME_MS } from "./grant-store.ts";

const code = {
  clientId: "flytectl",
  redirectUri: "http://localhost:1/callback",
  codeChallenge: "c",
  subject: "alice",
  scope: ["all"],
  authTime: 0,
};
const login = { clientId: "flytectl", subject: "alice", scope: ["all", "offline"], authTime: 0 };

forEachDatabase("GrantStore", (getDb) => {
  let clock: ManualClock;
  let store: GrantStore;
  beforeEach(async () => {
    await getDb().db.deleteFrom("auth_grants").execute();
    clock = new ManualClock();
    store = new GrantStore(getDb().db, clock);
  });

  test("codes are single use and expire after 5 minutes", async () => {
    const c = await store.issueCode(code);
    assert.deepEqual(await store.redeemCode(c), code);
    assert.equal(await store.redeemCode(c), undefined);
    const late = await store.issueCode(code);
    clock.advance(5 * 60_000 + 1);
    assert.equal(await store.redeemCode(late), undefined);
    const raced = await store.issueCode(code);
    clock.advance(-5 * 60_000 - 1);
    const both = await Promise.all([store.redeemCode(raced), store.redeemCode(raced)]);
    assert.equal(both.filter((g) => g !== undefined).length, 1, "two concurrent redemptions: one wins");
  });

  test("refresh tokens rotate, a reused one revokes the family, and rotation does not extend the login", async () => {
    const first = await store.issueRefresh(login);
    const r1 = await store.rotate(first);
    assert.ok(typeof r1 === "object");
    assert.equal(r1.grant.subject, "alice");
    const r2 = await store.rotate(r1.next);
    assert.ok(typeof r2 === "object");
    assert.equal(await store.rotate(first), "reused");
    assert.equal(await store.rotate(r2.next), "invalid", "the family is gone");

    const other = await store.issueRefresh({ ...login, subject: "bob" });
    clock.advance(REFRESH_LIFETIME_MS - 1000);
    const r3 = await store.rotate(other);
    assert.ok(typeof r3 === "object");
    clock.advance(2000);
    assert.equal(await store.rotate(r3.next), "invalid");
    const gone = await store.issueRefresh({ ...login, subject: "bob" });
    assert.equal((await store.revoke(gone))?.subject, "bob");
    assert.equal(await store.rotate(gone), "invalid");
    assert.equal(await store.revoke("never-issued"), undefined);
  });

  test("two concurrent rotations of one token: a reuse, so the whole family is revoked, successor included", async () => {
    const t = await store.issueRefresh(login);
    const results = await Promise.all([store.rotate(t), store.rotate(t)]);
    assert.ok(results.includes("reused"));
    assert.ok(results.filter((r) => typeof r === "object").length <= 1, "never two successors");
    for (const r of results)
      if (typeof r === "object")
        assert.equal(await store.rotate(r.next), "invalid", "a successor went with the family");
    const left = await getDb().db.selectFrom("auth_grants").select("kind").execute();
    assert.deepEqual(left, [{ kind: "revoked" }], "the family is gone; its revocation is remembered");
  });

  test("only hashes are stored; a new store on the same database (an admin restart) knows every grant", async () => {
    const t = await store.issueRefresh(login);
    const c = await store.issueCode(code);
    const retiredBefore = await store.issueRefresh({ ...login, subject: "carol" });
    const rotatedBefore = await store.rotate(retiredBefore);
    assert.ok(typeof rotatedBefore === "object");
    const rows = await getDb().db.selectFrom("auth_grants").selectAll().execute();
    for (const secret of [t, c, retiredBefore, rotatedBefore.next]) {
      assert.ok(!JSON.stringify(rows).includes(secret), "no code or token in the table");
    }
    const restarted = new GrantStore(getDb().db, clock);
    assert.deepEqual(await restarted.redeemCode(c), code);
    const r = await restarted.rotate(t);
    assert.ok(typeof r === "object");
    assert.equal(r.grant.subject, "alice");
    assert.equal(await restarted.rotate(retiredBefore), "reused", "reuse detection survives the restart");
    assert.equal(await restarted.rotate(rotatedBefore.next), "invalid");
  });

  test("expired grants are swept when new ones are issued", async () => {
    await store.issueRefresh(login);
    await store.issueCode(code);
    clock.advance(REFRESH_LIFETIME_MS);
    await store.issueCode(code);
    const left = await getDb().db.selectFrom("auth_grants").select("kind").execute();
    assert.deepEqual(left, [{ kind: "code" }]);
  });
});
