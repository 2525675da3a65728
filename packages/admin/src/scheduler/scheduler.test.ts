// The scheduler against a real database (SQLite and PostgreSQL) with a ManualClock and a fake launch port that keeps
// executions unique by name, as admin does (ALREADY_EXISTS for a name that exists). No sleeps: each test moves the
// clock and calls tick().
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import {
  ExecutionMetadata_ExecutionMode,
  type ExecutionCreateRequest,
} from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { InactiveProjectSchema } from "@aloft/idl/flyteidl/admin/project_pb.js";
import { FixedRateUnit } from "@aloft/idl/flyteidl/admin/schedule_pb.js";
import { AloftError, Code, alreadyExists, createLogger, invalidArgument, unavailable } from "@aloft/core";
import { ManualClock } from "@aloft/core/testing";
import { forEachDatabase } from "@aloft/testkit";
import { SchedulableEntityRepo, type SchedulableEntity } from "../repositories/schedulable-entity-repo.ts";
import { scheduledExecutionName } from "./execution-name.ts";
import { Scheduler, type SchedulerOptions } from "./scheduler.ts";

const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
const MIN = 60_000;
const logger = createLogger({ level: "silent" });

const lp = (name: string, over: Partial<SchedulableEntity> = {}): SchedulableEntity => ({
  project: "p",
  domain: "d",
  name,
  version: "v1",
  cronExpression: "* * * * *",
  fixedRateValue: 0,
  unit: 0,
  kickoffTimeInputArg: "kickoff",
  ...over,
});

/** Executions by name, as admin stores them; `fail` decides per request whether (and how) to refuse it. */
class FakeAdmin {
  readonly executions = new Map<string, ExecutionCreateRequest>();
  readonly attempts: string[] = [];
  fail: (req: ExecutionCreateRequest) => Error | Promise<never> | undefined = () => undefined;
  launch = async (req: ExecutionCreateRequest): Promise<void> => {
    this.attempts.push(`${req.spec?.launchPlan?.name}@${iso(req.spec?.metadata?.scheduledAt)}`);
    const refusal = this.fail(req);
    if (refusal instanceof Promise) return refusal;
    if (refusal) throw refusal;
    if (this.executions.has(req.name)) throw alreadyExists("execution.exists", `${req.name} already exists`);
    this.executions.set(req.name, req);
  };
  fired(name: string): string[] {
    return [...this.executions.values()]
      .filter((r) => r.spec?.launchPlan?.name === name)
      .map((r) => iso(r.spec?.metadata?.scheduledAt))
      .sort();
  }
}

const iso = (t: { seconds: bigint; nanos: number } | undefined) =>
  t ? new Date(timestampMs(t as never)).toISOString() : "";
const at = (ms: number) => new Date(ms).toISOString();

forEachDatabase("Scheduler", (getDb) => {
  let clock: ManualClock;
  let repo: SchedulableEntityRepo;
  let admin: FakeAdmin;
  const scheduler = (options: Partial<SchedulerOptions> = {}, launch = admin.launch) =>
    new Scheduler({
      db: getDb().db,
      clock,
      logger,
      launch,
      options: { reloadIntervalMs: 0, ...options },
    });

  beforeEach(async () => {
    await getDb().db.deleteFrom("schedulable_entities").execute();
    clock = new ManualClock(T0);
    repo = new SchedulableEntityRepo(getDb().db, clock);
    admin = new FakeAdmin();
  });

  test("a cron schedule fires at its instants with mode SCHEDULED, scheduled_at, the kickoff input and upstream's name", async () => {
    await repo.activate(lp("c", { cronExpression: "*/5 * * * *" }));
    const s = scheduler();
    for (let m = 1; m <= 16; m++) {
      clock.set(new Date(T0 + m * MIN));
      await s.tick();
    }
    assert.deepEqual(
      admin.fired("c"),
      [5, 10, 15].map((m) => at(T0 + m * MIN)),
    );
    const first = [...admin.executions.values()][0]!;
    assert.equal(first.name, scheduledExecutionName(lp("c"), new Date(T0 + 5 * MIN)));
    assert.equal(first.spec?.metadata?.mode, ExecutionMetadata_ExecutionMode.SCHEDULED);
    assert.deepEqual(
      [first.spec?.launchPlan?.project, first.spec?.launchPlan?.domain, first.spec?.launchPlan?.version],
      ["p", "d", "v1"],
    );
    const kickoff = first.inputs?.literals.kickoff;
    assert.equal(kickoff?.value.case, "scalar");
    const primitive = kickoff?.value.case === "scalar" ? kickoff.value.value.value : undefined;
    assert.equal(primitive?.case, "primitive");
    assert.equal(
      primitive?.case === "primitive" && primitive.value.value.case === "datetime"
        ? iso(primitive.value.value.value)
        : "",
      at(T0 + 5 * MIN),
    );
    assert.equal(admin.attempts.length, 3, "nothing fired between the instants");
    assert.equal((await repo.get(lp("c")))?.lastFireAt?.getTime(), T0 + 15 * MIN);
  });

  test("a fixed rate fires every interval from its activation, with no kickoff input", async () => {
    clock.set(new Date(T0 + 20_000));
    await repo.activate(lp("r", { cronExpression: "", fixedRateValue: 2, unit: FixedRateUnit.MINUTE }));
    const s = scheduler();
    for (let sec = 30; sec <= 7 * 60; sec += 30) {
      clock.set(new Date(T0 + sec * 1000));
      await s.tick();
    }
    assert.deepEqual(
      admin.fired("r"),
      [2, 4, 6].map((m) => at(T0 + 20_000 + m * MIN)),
    );
    assert.deepEqual(Object.keys([...admin.executions.values()][0]!.inputs?.literals ?? {}), []);
  });

  test("after an outage every missed fire time fires exactly once, oldest first; an activation starts from now", async () => {
    await repo.activate(lp("a"));
    const s = scheduler();
    clock.set(new Date(T0 + MIN));
    await s.tick();
    clock.set(new Date(T0 + 11 * MIN + 30_000));
    await s.tick();
    await s.tick();
    assert.deepEqual(
      admin.attempts,
      Array.from({ length: 11 }, (_, i) => `a@${at(T0 + (i + 1) * MIN)}`),
      "each missed minute once, in order",
    );
    // Activated late: no backlog from before its activation.
    await repo.activate(lp("late"));
    clock.set(new Date(T0 + 12 * MIN));
    await s.tick();
    assert.deepEqual(admin.fired("late"), [at(T0 + 12 * MIN)]);
  });

  test("the catch-up bound launches the newest missed times, logs and records the cut", async () => {
    await repo.activate(lp("b"));
    const s = scheduler({ maxCatchUp: 3 });
    clock.set(new Date(T0 + 10 * MIN));
    await s.tick();
    assert.deepEqual(
      admin.fired("b"),
      [8, 9, 10].map((m) => at(T0 + m * MIN)),
    );
    const row = await repo.get(lp("b"));
    assert.match(row?.lastError ?? "", /7 missed fire times from 2024-01-01T12:01:00.000Z to 2024-01-01T12:07:00.000Z/);
    clock.set(new Date(T0 + 11 * MIN));
    await s.tick();
    assert.deepEqual(
      admin.fired("b"),
      [8, 9, 10, 11].map((m) => at(T0 + m * MIN)),
    );
    assert.match((await repo.get(lp("b")))?.lastError ?? "", /7 missed/, "the last error stays visible, with its time");
  });

  test("deactivation stops firing; reactivation starts from then", async () => {
    await repo.activate(lp("x"));
    const s = scheduler();
    clock.set(new Date(T0 + 2 * MIN));
    await s.tick();
    await repo.deactivate(lp("x"));
    for (let m = 3; m <= 6; m++) {
      clock.set(new Date(T0 + m * MIN));
      await s.tick();
    }
    assert.deepEqual(
      admin.fired("x"),
      [1, 2].map((m) => at(T0 + m * MIN)),
    );
    clock.set(new Date(T0 + 6 * MIN + 10_000));
    await repo.activate(lp("x"));
    clock.set(new Date(T0 + 8 * MIN));
    await s.tick();
    assert.deepEqual(
      admin.fired("x"),
      [1, 2, 7, 8].map((m) => at(T0 + m * MIN)),
    );
  });

  test("a failing launch plan does not delay the others; it retries with backoff and gives up after maxAttempts", async () => {
    await repo.activate(lp("bad"));
    await repo.activate(lp("good"));
    await repo.activate(lp("invalid"));
    admin.fail = (req) => {
      const name = req.spec?.launchPlan?.name;
      if (name === "bad") return unavailable("down", "admin is unreachable");
      if (name === "invalid") return invalidArgument("lp", "the launch plan's inputs are wrong");
      return undefined;
    };
    const s = scheduler({ maxAttempts: 3 });
    clock.set(new Date(T0 + MIN));
    await s.tick();
    assert.deepEqual(admin.fired("good"), [at(T0 + MIN)]);
    assert.match((await repo.get(lp("bad")))?.lastError ?? "", /UNAVAILABLE: admin is unreachable/);
    // A non-retryable error gives up on that fire time at once (the schedule goes on).
    assert.equal((await repo.get(lp("invalid")))?.lastFireAt?.getTime(), T0 + MIN);
    assert.match((await repo.get(lp("invalid")))?.lastError ?? "", /INVALID_ARGUMENT/);
    // Within the backoff the bad one is not retried.
    await s.tick();
    assert.equal(admin.attempts.filter((a) => a.startsWith("bad@")).length, 1);
    clock.set(new Date(T0 + MIN + 1000));
    await s.tick();
    clock.set(new Date(T0 + MIN + 3000));
    await s.tick();
    assert.equal(admin.attempts.filter((a) => a.startsWith("bad@")).length, 3, "three attempts, then given up");
    admin.fail = () => undefined;
    clock.set(new Date(T0 + 2 * MIN));
    await s.tick();
    assert.deepEqual(admin.fired("bad"), [at(T0 + 2 * MIN)], "the given-up time is skipped, the next one fires");
    assert.deepEqual(admin.fired("good"), [at(T0 + MIN), at(T0 + 2 * MIN)]);
  });

  test("a hanging launch does not hold up the other schedules", async () => {
    await repo.activate(lp("hang"));
    await repo.activate(lp("ok"));
    let release: () => void = () => {};
    const hung = new Promise<never>((_, reject) => {
      release = () => reject(unavailable("timeout", "deadline"));
    });
    let okLaunched: () => void = () => {};
    const okSeen = new Promise<void>((resolve) => {
      okLaunched = resolve;
    });
    admin.fail = (req) => {
      if (req.spec?.launchPlan?.name === "hang") return hung;
      okLaunched();
      return undefined;
    };
    const s = scheduler();
    clock.set(new Date(T0 + MIN));
    const tick = s.tick();
    await okSeen;
    assert.deepEqual(admin.fired("ok"), [at(T0 + MIN)]);
    // A second tick while `hang` is still in flight does not start `hang` twice.
    clock.set(new Date(T0 + 2 * MIN));
    const second = s.tick();
    assert.equal(admin.attempts.filter((a) => a.startsWith("hang@")).length, 1);
    release();
    await Promise.all([tick, second]);
    clock.set(new Date(T0 + 3 * MIN));
    await s.tick();
    assert.deepEqual(
      admin.fired("ok"),
      [1, 2, 3].map((m) => at(T0 + m * MIN)),
    );
  });

  test("an inactive project is skipped as success; ALREADY_EXISTS counts as fired", async () => {
    await repo.activate(lp("archived"));
    admin.fail = (req) =>
      req.spec?.launchPlan?.name === "archived"
        ? new AloftError(Code.INVALID_ARGUMENT, "project.inactive", "project [p] is not active", {
            details: [{ schema: InactiveProjectSchema, value: create(InactiveProjectSchema, { id: "p" }) }],
          })
        : undefined;
    const s = scheduler();
    clock.set(new Date(T0 + MIN));
    await s.tick();
    const row = await repo.get(lp("archived"));
    assert.deepEqual([row?.lastFireAt?.getTime(), row?.lastError], [T0 + MIN, undefined]);
  });

  test("a restart resumes from the snapshot in the database: only the times missed since are launched", async () => {
    await repo.activate(lp("s"));
    const first = scheduler();
    for (let m = 1; m <= 3; m++) {
      clock.set(new Date(T0 + m * MIN));
      await first.tick();
    }
    await first.stop();
    clock.set(new Date(T0 + 6 * MIN + 5000));
    const second = scheduler();
    await second.tick();
    assert.deepEqual(
      admin.attempts,
      [1, 2, 3, 4, 5, 6].map((m) => `s@${at(T0 + m * MIN)}`),
      "no replay, no gap",
    );
  });

  test("two scheduler instances on one database over hundreds of ticks never create a duplicate execution", async () => {
    for (let i = 0; i < 5; i++) await repo.activate(lp(`m${i}`, { cronExpression: `*/${i + 1} * * * *` }));
    await repo.activate(lp("rate", { cronExpression: "", fixedRateValue: 3, unit: FixedRateUnit.MINUTE }));
    const created = new Map<string, number>();
    let exists = 0;
    // Admin's uniqueness, shared by both instances (one executions table).
    const launch = async (req: ExecutionCreateRequest) => {
      await Promise.resolve();
      if (created.has(req.name)) {
        exists++;
        throw alreadyExists("execution.exists", "exists");
      }
      created.set(req.name, (created.get(req.name) ?? 0) + 1);
    };
    const a = scheduler({ reloadIntervalMs: 30_000 }, launch);
    const b = scheduler({ reloadIntervalMs: 45_000 }, launch);
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let now = T0;
    for (let i = 0; i < 300; i++) {
      now += Math.floor(random() * 50_000);
      clock.set(new Date(now));
      // Sometimes one instance is down for a while (it catches up later).
      const aUp = random() > 0.1;
      const bUp = random() > 0.1;
      await Promise.all([aUp ? a.tick() : undefined, bUp ? b.tick() : undefined]);
    }
    clock.set(new Date(now));
    await Promise.all([a.tick(), b.tick()]);
    // Every fire time in (T0, now] exactly once per schedule.
    let expected = 0;
    for (let i = 0; i < 5; i++) expected += Math.floor((now - T0) / ((i + 1) * MIN));
    expected += Math.floor((now - T0) / (3 * MIN));
    assert.equal(created.size, expected);
    assert.ok([...created.values()].every((n) => n === 1));
    assert.ok(exists > 0, "the instances did race (some fires answered ALREADY_EXISTS)");
  });
});
