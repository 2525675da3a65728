// The scheduler under 10,000 active schedules that all fire every minute (SQLite, as `aloft start`), with a launch
// port that accepts at once (the cost measured is the scheduler's, not admin's CreateExecution). A ManualClock is set
// to each minute boundary and one tick is run: fire lag = time from the tick's start (the scheduled instant) to each
// launch, CPU per fire = process CPU time of the tick / fires. Baseline, same run and database: the least any
// scheduler must do per fire — a plain loop that calls the same launch port and writes the same snapshot row.
// Usage: npm run bench:scheduler [-- --schedules 10000 --minutes 3]
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { createLogger } from "@aloft/core";
import { ManualClock } from "@aloft/core/testing";
import { Scheduler } from "@aloft/admin";
import { createTestDatabase } from "@aloft/testkit";

const { values } = parseArgs({
  options: { schedules: { type: "string", default: "10000" }, minutes: { type: "string", default: "3" } },
});
const N = Number(values.schedules);
const MINUTES = Number(values.minutes);
const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? Number.NaN;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const testDb = await createTestDatabase("sqlite");
const db = testDb.database.db;
for (let i = 0; i < N; i += 500) {
  const rows = [];
  for (let j = i; j < Math.min(N, i + 500); j++) {
    rows.push({
      project: "p",
      domain: "d",
      name: `lp${j}`,
      version: "v1",
      cron_expression: "* * * * *",
      fixed_rate_value: 0,
      unit: 0,
      kickoff_time_input_arg: "kickoff",
      active: 1,
      last_fire_at: null,
      last_error: null,
      last_error_at: null,
      created_at: T0 * 1000,
      updated_at: T0 * 1000,
      deleted_at: null,
    });
  }
  await db.insertInto("schedulable_entities").values(rows).execute();
}

// Baseline: launch + snapshot write per schedule, in a plain loop.
let baseStart = 0;
const baseLag: number[] = [];
let baseFires = 0;
let baseCpu = 0;
for (let m = 1; m <= MINUTES; m++) {
  const rows = await db.selectFrom("schedulable_entities").select(["project", "domain", "name", "version"]).execute();
  const c0 = cpuMs();
  baseStart = performance.now();
  for (const r of rows) {
    await Promise.resolve({ name: `${r.name}-${m}` });
    await db
      .updateTable("schedulable_entities")
      .set({ last_fire_at: (T0 + m * MIN) * 1000 })
      .where("project", "=", r.project)
      .where("domain", "=", r.domain)
      .where("name", "=", r.name)
      .where("version", "=", r.version)
      .execute();
    baseLag.push(performance.now() - baseStart);
    baseFires++;
  }
  baseCpu += cpuMs() - c0;
}
await db.updateTable("schedulable_entities").set({ last_fire_at: null }).execute();

// The scheduler.
const clock = new ManualClock(T0);
let tickStart = 0;
const lag: number[] = [];
const scheduler = new Scheduler({
  db,
  clock,
  logger: createLogger({ level: "silent" }),
  launch: async () => {
    lag.push(performance.now() - tickStart);
  },
  options: { reloadIntervalMs: 10_000 },
});
await scheduler.reload();
let cpu = 0;
let wall = 0;
for (let m = 1; m <= MINUTES; m++) {
  clock.set(new Date(T0 + m * MIN));
  const c0 = cpuMs();
  tickStart = performance.now();
  await scheduler.tick();
  wall += performance.now() - tickStart;
  cpu += cpuMs() - c0;
}
const fires = lag.length;
await testDb.drop();

const f = (x: number) => x.toFixed(1);
const cpuPerFire = (cpu * 1000) / fires;
const baseCpuPerFire = (baseCpu * 1000) / baseFires;
process.stdout.write(
  [
    `scheduler: ${N} schedules, every minute, ${MINUTES} minutes simulated (SQLite)`,
    `  fires ${fires} (expected ${N * MINUTES}), ${f(wall / MINUTES)} ms per minute's tick`,
    `  fire lag p50 ${f(pct(lag, 50))} ms, p99 ${f(pct(lag, 99))} ms, max ${f(Math.max(...lag))} ms`,
    `  CPU per fire ${cpuPerFire.toFixed(0)} µs`,
    `baseline (plain loop: launch + snapshot write per schedule): fires ${baseFires}`,
    `  lag p50 ${f(pct(baseLag, 50))} ms, p99 ${f(pct(baseLag, 99))} ms; CPU per fire ${baseCpuPerFire.toFixed(0)} µs`,
    `ratio scheduler/baseline: CPU per fire ${(cpuPerFire / baseCpuPerFire).toFixed(2)}×, p99 lag ${(pct(lag, 99) / pct(baseLag, 99)).toFixed(2)}×`,
    "",
  ].join("\n"),
);
