// Device codes (RFC 8628) in the database, on SQLite and PostgreSQL: pending until decided, slow_down when polled too
// fast (and the interval grows by 5 s), single use, expiry, denial, hashes at rest, and a new store (an admin restart)
// that knows them all.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { ManualClock } from "@aloft/core/testing";
import { forEachDatabase } from "@aloft/testkit";
import { DeviceStore, normalizeUserCode, USER_CODE_ALPHABET } from "./device-store.ts";

forEachDatabase("DeviceStore", (getDb) => {
  let clock: ManualClock;
  let store: DeviceStore;
  beforeEach(async () => {
    await getDb().db.deleteFrom("auth_device_codes").execute();
    clock = new ManualClock();
    store = new DeviceStore(getDb().db, clock, { lifetimeMs: 600_000, intervalMs: 5000 });
  });

  test("user codes: 8 letters of the consonant alphabet, shown as XXXX-XXXX, typed in any case or spacing", async () => {
    const { userCode } = await store.start("flytectl", ["all"]);
    assert.match(userCode, new RegExp(`^[${USER_CODE_ALPHABET}]{4}-[${USER_CODE_ALPHABET}]{4}$`));
    assert.equal(normalizeUserCode(` ${userCode.toLowerCase().replace("-", " ")} `), userCode.replace("-", ""));
    assert.deepEqual(await store.pending(userCode.toLowerCase()), { clientId: "flytectl", scope: ["all"] });
    assert.equal(await store.pending("BCDF-GHJ"), undefined);
  });

  test("pending, slow_down (interval + 5 s), then the approved grant once", async () => {
    const { deviceCode, userCode } = await store.start("flytectl", ["all", "offline"]);
    assert.equal(await store.poll(deviceCode, "flytectl"), "authorization_pending");
    clock.advance(1000);
    assert.equal(await store.poll(deviceCode, "flytectl"), "slow_down");
    clock.advance(5000);
    assert.equal(await store.poll(deviceCode, "flytectl"), "slow_down", "the interval is now 10 s");
    clock.advance(15_000);
    assert.equal(await store.poll(deviceCode, "flytectl"), "authorization_pending");
    assert.equal(await store.poll(deviceCode, "flyte-cli"), "invalid", "another client's poll");
    assert.ok(await store.decide(userCode, true, "alice", 42));
    assert.ok(!(await store.decide(userCode, false, "mallory", 43)), "decided once");
    clock.advance(15_000);
    assert.deepEqual(await store.poll(deviceCode, "flytectl"), {
      granted: { clientId: "flytectl", scope: ["all", "offline"], subject: "alice", authTime: 42 },
    });
    clock.advance(15_000);
    assert.equal(await store.poll(deviceCode, "flytectl"), "invalid", "single use");
  });

  test("denied, expired, unknown", async () => {
    const denied = await store.start("flytectl", ["all"]);
    assert.ok(await store.decide(denied.userCode, false, "alice", 1));
    assert.equal(await store.poll(denied.deviceCode, "flytectl"), "access_denied");
    const late = await store.start("flytectl", ["all"]);
    clock.advance(600_000);
    assert.ok(!(await store.decide(late.userCode, true, "alice", 1)), "an expired code cannot be approved");
    assert.equal(await store.poll(late.deviceCode, "flytectl"), "expired_token");
    assert.equal(await store.poll("never-issued", "flytectl"), "invalid");
  });

  test("two concurrent polls of an approved code: one gets the grant", async () => {
    const { deviceCode, userCode } = await store.start("flytectl", ["all"]);
    assert.ok(await store.decide(userCode, true, "alice", 1));
    const both = await Promise.all([store.poll(deviceCode, "flytectl"), store.poll(deviceCode, "flytectl")]);
    assert.equal(both.filter((r) => typeof r === "object").length, 1, JSON.stringify(both));
  });

  test("only hashes are stored; a new store on the same database (a restart) knows the codes", async () => {
    const { deviceCode, userCode } = await store.start("flytectl", ["all"]);
    const rows = JSON.stringify(await getDb().db.selectFrom("auth_device_codes").selectAll().execute());
    assert.ok(!rows.includes(deviceCode) && !rows.includes(userCode.replace("-", "")));
    const restarted = new DeviceStore(getDb().db, clock);
    assert.ok(await restarted.decide(userCode, true, "bob", 1));
    const r = await restarted.poll(deviceCode, "flytectl");
    assert.ok(typeof r === "object" && r.granted.subject === "bob");
  });
});
