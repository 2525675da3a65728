// When a schedule fires. Cron text is what CreateLaunchPlan accepted (validation/schedule-validator.ts: robfig's
// ParseStandard): five fields or an @descriptor, optionally after `TZ=<zone> ` / `CRON_TZ=<zone> `. Fire times of
// five-field and @yearly…@hourly specs come from croner; `?` is robfig's `*`; `@every <duration>` and fixed rates are
// robfig's ConstantDelaySchedule (the previous time truncated to the second, plus the interval). Zones: the TZ
// prefix, else UTC (scheduler.useUtcTz, the default, as upstream's useUTCTz) or the scheduler's local zone.
// Daylight-saving transitions are croner's (documented there): a local time skipped by a spring-forward fires at the
// first valid instant after it; a local time repeated by a fall-back fires once, at its first occurrence.
import { Cron } from "croner";
import { FixedRateUnit } from "@aloft/idl/flyteidl/admin/schedule_pb.js";
import { invalidArgument } from "@aloft/core";
import { parseCron } from "../validation/schedule-validator.ts";

/** What a schedule needs: its cron text, or a fixed rate. */
export interface ScheduleSpec {
  cronExpression: string;
  fixedRateValue: number;
  unit: number;
}

export interface FireTimes {
  /** The first fire time strictly after `afterMs`, or undefined when there is none (a cron that never matches). */
  next(afterMs: number): number | undefined;
}

const UNIT_MS: Readonly<Record<number, number>> = {
  [FixedRateUnit.MINUTE]: 60_000,
  [FixedRateUnit.HOUR]: 3_600_000,
  [FixedRateUnit.DAY]: 86_400_000,
};

/** robfig's ConstantDelaySchedule.Next: drop the sub-second part, add the delay. */
function constantDelay(delayMs: number): FireTimes {
  return { next: (after) => Math.floor(after / 1000) * 1000 + delayMs };
}

/**
 * Builds fire times for `spec`. Crons are shared between schedules with the same text and zone, and the last
 * answers are remembered: ten thousand schedules on one cron cost one croner evaluation per fire instant.
 */
export class FireTimesFactory {
  readonly #crons = new Map<string, FireTimes>();

  constructor(private readonly useUtcTz: boolean) {}

  of(spec: ScheduleSpec): FireTimes {
    if (spec.cronExpression === "") {
      const unit = UNIT_MS[spec.unit];
      if (unit === undefined || spec.fixedRateValue <= 0)
        throw invalidArgument("schedule.rate", `unsupported fixed rate ${spec.fixedRateValue} unit ${spec.unit}`);
      return constantDelay(spec.fixedRateValue * unit);
    }
    let cached = this.#crons.get(spec.cronExpression);
    if (!cached) {
      cached = this.#cron(spec.cronExpression);
      this.#crons.set(spec.cronExpression, cached);
    }
    return cached;
  }

  #cron(text: string): FireTimes {
    // Throws CronSyntaxError for what registration would have refused.
    const parsed = parseCron(text);
    let body = text.trim();
    if (body.startsWith("TZ=") || body.startsWith("CRON_TZ=")) body = body.slice(body.indexOf(" ") + 1).trim();
    if (parsed.kind === "every") return constantDelay(parsed.everyMs);
    if (!body.startsWith("@")) body = body.replaceAll("?", "*");
    const zone = parsed.timeZone === "Local" ? undefined : (parsed.timeZone ?? (this.useUtcTz ? "UTC" : undefined));
    // utcOffset 0 is croner's fast path for UTC; a named zone goes through Intl.
    const cron = new Cron(body, {
      paused: true,
      ...(zone === "UTC" || zone === "" ? { utcOffset: 0 } : zone ? { timezone: zone } : {}),
    });
    const memo = new Map<number, number | undefined>();
    return {
      next: (after) => {
        if (memo.has(after)) return memo.get(after);
        const n = cron.nextRun(new Date(after))?.getTime();
        if (memo.size > 4096) memo.clear();
        memo.set(after, n);
        return n;
      },
    };
  }
}

/**
 * Fire times in (fromMs, toMs], oldest first. At most `limit` are returned — the newest ones — and `skipped` counts
 * those left out before them (the first and last of which are given).
 */
export function fireTimesBetween(
  times: FireTimes,
  fromMs: number,
  toMs: number,
  limit: number,
): { times: number[]; skipped: number; firstSkipped?: number; lastSkipped?: number } {
  const out: number[] = [];
  let skipped = 0;
  let firstSkipped: number | undefined;
  let lastSkipped: number | undefined;
  let t = times.next(fromMs);
  while (t !== undefined && t <= toMs) {
    out.push(t);
    if (out.length > limit) {
      lastSkipped = out.shift();
      firstSkipped ??= lastSkipped;
      skipped++;
    }
    t = times.next(t);
  }
  return {
    times: out,
    skipped,
    ...(firstSkipped === undefined ? {} : { firstSkipped }),
    ...(lastSkipped === undefined ? {} : { lastSkipped }),
  };
}
