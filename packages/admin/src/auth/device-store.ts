// The device authorization grant's codes (RFC 8628), in admin's database (table auth_device_codes) so that a restart
// or a second admin knows them. A device asks for a pair: a long random device code it polls the token endpoint with,
// and a short user code (8 letters of RFC 8628 §6.1's 20-consonant alphabet, shown as BCDF-GHJK) that a signed-in
// person enters on the verification page. Only SHA-256 hashes of both are stored. Codes live `lifetimeMs` (10 minutes
// by default), are decided (approved or denied) once, and an approved one is redeemed once. Polling faster than the
// interval is `slow_down`, and the interval then grows by 5 seconds (§3.5). Every step that must happen once is one
// conditional statement, so concurrent requests (or two admins) cannot both win.
import { createHash, randomBytes, randomInt } from "node:crypto";
import type { Kysely } from "kysely";
import type { Clock } from "@aloft/core";
import { isUniqueViolation, withDbErrors } from "../repositories/db-errors.ts";
import type { Schema } from "../repositories/schema.ts";

export const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";
const USER_CODE_LENGTH = 8;
/** A poll this much earlier than the interval is still on time (timers and networks jitter). */
const POLL_TOLERANCE_MS = 250;
/** How long an expired code is still known as expired (`expired_token`) before it is forgotten. */
const KEEP_EXPIRED_MS = 60 * 60_000;

export interface DeviceGrant {
  clientId: string;
  scope: string[];
  subject: string;
  /** Seconds since the epoch: when the approver's session token was issued. */
  authTime: number;
}

export type PollResult =
  | { granted: DeviceGrant }
  | "authorization_pending"
  | "slow_down"
  | "access_denied"
  | "expired_token"
  | "invalid";

const digest = (s: string) => createHash("sha256").update(s).digest("base64url");

/** The user code as typed, reduced to its letters: case, dashes and spaces do not matter. */
export function normalizeUserCode(typed: string): string {
  return typed.toUpperCase().replace(/[^A-Z]/g, "");
}

export function formatUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

function newUserCode(): string {
  let s = "";
  for (let i = 0; i < USER_CODE_LENGTH; i++) s += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return s;
}

export interface DeviceStoreOptions {
  /** How long a pair of codes lives. Default 10 minutes. */
  lifetimeMs?: number;
  /** The polling interval handed out. Default 5 s. */
  intervalMs?: number;
}

export class DeviceStore {
  readonly lifetimeMs: number;
  readonly intervalMs: number;

  constructor(
    private readonly db: Kysely<Schema>,
    private readonly clock: Clock,
    o: DeviceStoreOptions = {},
  ) {
    this.lifetimeMs = o.lifetimeMs ?? 10 * 60_000;
    this.intervalMs = o.intervalMs ?? 5000;
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  /** A new pair of codes for a device (the user code formatted for people). */
  async start(clientId: string, scope: string[]): Promise<{ deviceCode: string; userCode: string }> {
    const now = this.now();
    await withDbErrors(() =>
      this.db
        .deleteFrom("auth_device_codes")
        .where("expires_at", "<=", now - KEEP_EXPIRED_MS)
        .execute(),
    );
    for (let attempt = 0; ; attempt++) {
      const deviceCode = randomBytes(32).toString("base64url");
      const userCode = newUserCode();
      try {
        await this.db
          .insertInto("auth_device_codes")
          .values({
            device_hash: digest(deviceCode),
            user_hash: digest(userCode),
            client_id: clientId,
            scope: scope.join(" "),
            status: "pending",
            interval_ms: this.intervalMs,
            created_at: now,
            expires_at: now + this.lifetimeMs,
          })
          .execute();
        return { deviceCode, userCode: formatUserCode(userCode) };
      } catch (err) {
        // A user code already in use (unlikely: 20^8 codes): draw another.
        if (!isUniqueViolation(err) || attempt >= 5) return withDbErrors(() => Promise.reject(err));
      }
    }
  }

  /** The pending request a user code names (to show who asks for what), if it is pending and unexpired. */
  async pending(userCode: string): Promise<{ clientId: string; scope: string[] } | undefined> {
    const code = normalizeUserCode(userCode);
    if (code.length !== USER_CODE_LENGTH) return undefined;
    const row = await withDbErrors(() =>
      this.db
        .selectFrom("auth_device_codes")
        .select(["client_id", "scope"])
        .where("user_hash", "=", digest(code))
        .where("status", "=", "pending")
        .where("expires_at", ">", this.now())
        .executeTakeFirst(),
    );
    return row ? { clientId: row.client_id, scope: row.scope.split(" ").filter(Boolean) } : undefined;
  }

  /** Approves (or denies) a pending, unexpired user code as `subject`; false when there is no such code. Once only. */
  async decide(userCode: string, approve: boolean, subject: string, authTime: number): Promise<boolean> {
    const code = normalizeUserCode(userCode);
    if (code.length !== USER_CODE_LENGTH) return false;
    const r = await withDbErrors(() =>
      this.db
        .updateTable("auth_device_codes")
        .set({ status: approve ? "approved" : "denied", subject, auth_time: authTime })
        .where("user_hash", "=", digest(code))
        .where("status", "=", "pending")
        .where("expires_at", ">", this.now())
        .executeTakeFirst(),
    );
    return r.numUpdatedRows === 1n;
  }

  /** One poll of the token endpoint by `clientId` with `deviceCode`. */
  async poll(deviceCode: string, clientId: string): Promise<PollResult> {
    const key = digest(deviceCode);
    const now = this.now();
    const row = await withDbErrors(() =>
      this.db.selectFrom("auth_device_codes").selectAll().where("device_hash", "=", key).executeTakeFirst(),
    );
    if (!row || row.client_id !== clientId) return "invalid";
    if (Number(row.expires_at) <= now) return "expired_token";
    // On time only if this request is the one that moves last_poll_at forward by at least the interval.
    const onTime = await withDbErrors(() =>
      this.db
        .updateTable("auth_device_codes")
        .set({ last_poll_at: now })
        .where("device_hash", "=", key)
        .where("last_poll_at", "<=", now - Number(row.interval_ms) + POLL_TOLERANCE_MS)
        .executeTakeFirst(),
    );
    if (onTime.numUpdatedRows !== 1n) {
      await withDbErrors(() =>
        this.db
          .updateTable("auth_device_codes")
          .set((eb) => ({ interval_ms: eb("interval_ms", "+", 5000), last_poll_at: now }))
          .where("device_hash", "=", key)
          .execute(),
      );
      return "slow_down";
    }
    if (row.status === "pending") return "authorization_pending";
    const taken = await withDbErrors(() =>
      this.db
        .deleteFrom("auth_device_codes")
        .where("device_hash", "=", key)
        .where("status", "=", row.status)
        .executeTakeFirst(),
    );
    if (taken.numDeletedRows !== 1n) return "invalid";
    if (row.status === "denied") return "access_denied";
    return {
      granted: {
        clientId: row.client_id,
        scope: row.scope.split(" ").filter(Boolean),
        subject: row.subject,
        authTime: Number(row.auth_time),
      },
    };
  }
}
