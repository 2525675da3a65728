// What the self-hosted authorization server remembers between requests, in memory: authorization codes (single use,
// 5 minutes, as upstream's fosite default) and refresh tokens. Refresh tokens rotate: each use returns a new one and
// retires the old; presenting a retired one again means it was copied, so the whole family (every token descended
// from the same login) is revoked (RFC 9700 §4.14.2). Only SHA-256 hashes of codes and tokens are kept. A restart
// forgets everything: people sign in again (documented in docs/security.md).
import { createHash, randomBytes } from "node:crypto";
import type { Clock } from "@aloft/core";

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

interface Stored<T> {
  grant: T;
  expiresAt: number;
}

export const CODE_LIFETIME_MS = 5 * 60_000;
/** Eight hours: a working day without signing in again; a new login starts a new family. */
export const REFRESH_LIFETIME_MS = 8 * 3600_000;
const MAX_ENTRIES = 100_000;

const digest = (s: string) => createHash("sha256").update(s).digest("base64url");
const fresh = () => randomBytes(32).toString("base64url");

export class GrantStore {
  private readonly codes = new Map<string, Stored<CodeGrant>>();
  private readonly refresh = new Map<string, Stored<RefreshGrant> & { retired: boolean }>();

  constructor(private readonly clock: Clock) {}

  private now(): number {
    return this.clock.now().getTime();
  }

  private sweep(): void {
    const now = this.now();
    for (const [k, v] of this.codes) if (v.expiresAt <= now) this.codes.delete(k);
    for (const [k, v] of this.refresh) if (v.expiresAt <= now) this.refresh.delete(k);
    if (this.codes.size > MAX_ENTRIES || this.refresh.size > MAX_ENTRIES)
      throw new Error("too many outstanding grants");
  }

  issueCode(grant: CodeGrant): string {
    this.sweep();
    const code = fresh();
    this.codes.set(digest(code), { grant, expiresAt: this.now() + CODE_LIFETIME_MS });
    return code;
  }

  /** The code's grant, once: a second redemption finds nothing. */
  redeemCode(code: string): CodeGrant | undefined {
    const key = digest(code);
    const entry = this.codes.get(key);
    this.codes.delete(key);
    return entry && entry.expiresAt > this.now() ? entry.grant : undefined;
  }

  /** A refresh token starting a new family (after a login). */
  issueRefresh(grant: Omit<RefreshGrant, "family">): string {
    return this.put({ ...grant, family: fresh() });
  }

  private put(grant: RefreshGrant): string {
    this.sweep();
    const token = fresh();
    this.refresh.set(digest(token), { grant, expiresAt: this.now() + REFRESH_LIFETIME_MS, retired: false });
    return token;
  }

  /**
   * Retires `token` and returns its grant with a successor token, or why not: unknown/expired, or reused (then the
   * family is revoked). The successor expires when the family's first token would have: rotation does not extend a login.
   */
  rotate(token: string): { grant: RefreshGrant; next: string } | "invalid" | "reused" {
    const entry = this.refresh.get(digest(token));
    if (!entry || entry.expiresAt <= this.now()) return "invalid";
    if (entry.retired) {
      this.revokeFamily(entry.grant.family);
      return "reused";
    }
    entry.retired = true;
    const next = this.put(entry.grant);
    this.refresh.get(digest(next))!.expiresAt = entry.expiresAt;
    return { grant: entry.grant, next };
  }

  /** RFC 7009: revokes the token's whole family (logout). Unknown tokens are ignored. Returns the grant if known. */
  revoke(token: string): RefreshGrant | undefined {
    const entry = this.refresh.get(digest(token));
    if (!entry) return undefined;
    this.revokeFamily(entry.grant.family);
    return entry.grant;
  }

  private revokeFamily(family: string): void {
    for (const [k, v] of this.refresh) if (v.grant.family === family) this.refresh.delete(k);
  }
}
