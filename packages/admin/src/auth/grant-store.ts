// What the self-hosted authorization server remembers between requests, in admin's database (table auth_grants, so
// that a restart signs no one out): authorization codes (single use, 5 minutes, as upstream's fosite default) and
// refresh tokens. Refresh tokens rotate: each use returns a new one and retires the old; presenting a retired one
// again means it was copied, so the whole family (every token descended from the same login) is revoked (RFC 9700
// §4.14.2); a revoked family leaves a `revoked` mark until its tokens would have expired. Only SHA-256 hashes of codes
// and tokens are stored. Every step that must happen once (redeeming a code,
// retiring a token) is one conditional statement, so two admins or two concurrent requests cannot both win.
import { createHash, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Clock } from "@aloft/core";
import { withDbErrors } from "../repositories/db-errors.ts";
import type { Schema } from "../repositories/schema.ts";

export interface CodeGrant {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  subject: string;
  scope: string[];
  nonce?: string;
  authTime: number;
}

export interface RefreshGrant {
  clientId: string;
  subject: string;
  scope: string[];
  family: string;
  authTime: number;
}

export const CODE_LIFETIME_MS = 5 * 60_000;
/** Eight hours: a working day without signing in again; a new login starts a new family. */
export const REFRESH_LIFETIME_MS = 8 * 3600_000;

const digest = (s: string) => createHash("sha256").update(s).digest("base64url");
const fresh = () => randomBytes(32).toString("base64url");

export class GrantStore {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly clock: Clock,
  ) {}

  private now(): number {
    return this.clock.now().getTime();
  }

  /** Forgets what has expired (retired tokens too: past its expiry a copy is refused as unknown anyway). */
  private async sweep(now: number): Promise<void> {
    await withDbErrors(() => this.db.deleteFrom("auth_grants").where("expires_at", "<=", now).execute());
  }

  private async insert(kind: "code" | "refresh", family: string, grant: object, expiresAt: number): Promise<string> {
    const now = this.now();
    await this.sweep(now);
    const secret = fresh();
    await withDbErrors(() =>
      this.db
        .insertInto("auth_grants")
        .values({
          token_hash: digest(secret),
          kind,
          family,
          grant_json: JSON.stringify(grant),
          created_at: now,
          expires_at: expiresAt,
        })
        .execute(),
    );
    return secret;
  }

  issueCode(grant: CodeGrant): Promise<string> {
    return this.insert("code", "", grant, this.now() + CODE_LIFETIME_MS);
  }

  /** The code's grant, once: a second redemption (or a concurrent one that lost) finds nothing. */
  async redeemCode(code: string): Promise<CodeGrant | undefined> {
    const key = digest(code);
    const row = await withDbErrors(() =>
      this.db
        .selectFrom("auth_grants")
        .select(["grant_json", "expires_at"])
        .where("token_hash", "=", key)
        .where("kind", "=", "code")
        .executeTakeFirst(),
    );
    if (!row) return undefined;
    const deleted = await withDbErrors(() =>
      this.db.deleteFrom("auth_grants").where("token_hash", "=", key).where("kind", "=", "code").executeTakeFirst(),
    );
    if (deleted.numDeletedRows !== 1n || Number(row.expires_at) <= this.now()) return undefined;
    return JSON.parse(row.grant_json) as CodeGrant;
  }

  /** A refresh token starting a new family (after a login). */
  issueRefresh(grant: Omit<RefreshGrant, "family">): Promise<string> {
    const family = fresh();
    return this.insert("refresh", family, { ...grant, family }, this.now() + REFRESH_LIFETIME_MS);
  }

  /**
   * Retires `token` and returns its grant with a successor token, or why not: unknown/expired/revoked, or reused (then
   * the family is revoked). The successor expires when the family's first token would have: rotation does not extend
   * a login.
   */
  async rotate(token: string): Promise<{ grant: RefreshGrant; next: string } | "invalid" | "reused"> {
    const key = digest(token);
    const now = this.now();
    const row = await withDbErrors(() =>
      this.db
        .selectFrom("auth_grants")
        .select(["grant_json", "expires_at", "family"])
        .where("token_hash", "=", key)
        .where("kind", "=", "refresh")
        .executeTakeFirst(),
    );
    if (!row || Number(row.expires_at) <= now) return "invalid";
    // Only the request that flips `retired` from 0 to 1 rotates; any other presentation of this token is a reuse.
    const retired = await withDbErrors(() =>
      this.db
        .updateTable("auth_grants")
        .set({ retired: 1 })
        .where("token_hash", "=", key)
        .where("retired", "=", 0)
        .executeTakeFirst(),
    );
    if (retired.numUpdatedRows !== 1n) {
      await this.revokeFamily(row.family);
      return "reused";
    }
    const grant = JSON.parse(row.grant_json) as RefreshGrant;
    const next = await this.insert("refresh", row.family, grant, Number(row.expires_at));
    // A concurrent reuse may have revoked the family while the successor was being written (and, on PostgreSQL, its
    // delete need not see a row committed meanwhile): its revocation mark is written before its delete, so either
    // the mark is seen here and the successor goes, or the delete starts after this insert and takes it.
    if (await this.familyRevoked(row.family)) {
      await this.revokeFamily(row.family);
      return "reused";
    }
    return { grant, next };
  }

  /** RFC 7009: revokes the token's whole family (logout). Unknown tokens are ignored. Returns the grant if known. */
  async revoke(token: string): Promise<RefreshGrant | undefined> {
    const row = await withDbErrors(() =>
      this.db
        .selectFrom("auth_grants")
        .select(["grant_json", "family"])
        .where("token_hash", "=", digest(token))
        .where("kind", "=", "refresh")
        .executeTakeFirst(),
    );
    if (!row) return undefined;
    await this.revokeFamily(row.family);
    return JSON.parse(row.grant_json) as RefreshGrant;
  }

  /**
   * Marks the family revoked (a `revoked` row, kept as long as any of its tokens could live), then deletes its tokens.
   * The mark is what a restart or a concurrent rotation consults.
   */
  private async revokeFamily(family: string): Promise<void> {
    const now = this.now();
    await withDbErrors(() =>
      this.db
        .insertInto("auth_grants")
        .values({
          token_hash: digest(`revoked family\n${family}`),
          kind: "revoked",
          family,
          grant_json: "{}",
          created_at: now,
          expires_at: now + REFRESH_LIFETIME_MS,
        })
        .onConflict((oc) => oc.column("token_hash").doNothing())
        .execute(),
    );
    await withDbErrors(() =>
      this.db.deleteFrom("auth_grants").where("kind", "=", "refresh").where("family", "=", family).execute(),
    );
  }

  private async familyRevoked(family: string): Promise<boolean> {
    const mark = await withDbErrors(() =>
      this.db
        .selectFrom("auth_grants")
        .select("token_hash")
        .where("kind", "=", "revoked")
        .where("family", "=", family)
        .executeTakeFirst(),
    );
    return mark !== undefined;
  }
}
