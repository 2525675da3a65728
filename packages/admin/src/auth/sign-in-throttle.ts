// Wrong-password throttling for the sign-in form: failures are counted per user name (as typed, whether or not such
// a user exists, so a refusal never tells) and per client address. After `freeFailures` failures in a row a key is
// locked out for `baseLockMs`, doubling with each further failure up to `maxLockMs`; while either key is locked every
// attempt is refused with 429 and Retry-After before the password is even looked at (so the answer cannot tell a
// right password from a wrong one). A successful sign-in clears the user name's count; the address's count is not
// cleared by it (one valid account must not reset the count of an address that guesses at others): it is forgotten
// `forgetAfterMs` after its last failure. The table is bounded: beyond `maxEntries` the least recently failed go.
import type { Clock } from "@aloft/core";

export interface SignInThrottleOptions {
  clock: Clock;
  /** Failures per user name before the first lockout. Default 5. */
  freeFailures?: number;
  /** Failures per client address before the first lockout (many people may share one address). Default 20. */
  freeFailuresPerAddress?: number;
  /** The first lockout; each further failure doubles it. Default 30 s. */
  baseLockMs?: number;
  /** The longest lockout. Default 15 min. */
  maxLockMs?: number;
  /** A count is forgotten this long after its last failure (and after its lockout). Default 1 h. */
  forgetAfterMs?: number;
  /** Keys kept at most. Default 10 000. */
  maxEntries?: number;
}

interface Entry {
  failures: number;
  lastFailure: number;
  lockedUntil: number;
}

export class SignInThrottle {
  readonly #o: Required<SignInThrottleOptions>;
  readonly #entries = new Map<string, Entry>();

  constructor(options: SignInThrottleOptions) {
    this.#o = {
      freeFailures: 5,
      freeFailuresPerAddress: 20,
      baseLockMs: 30_000,
      maxLockMs: 15 * 60_000,
      forgetAfterMs: 60 * 60_000,
      maxEntries: 10_000,
      ...options,
    };
  }

  /** Milliseconds until this user name may try again from this address; 0 when it may now. */
  retryAfterMs(username: string, address: string): number {
    const now = this.#o.clock.now().getTime();
    let wait = 0;
    for (const key of keysOf(username, address)) {
      const e = this.#live(key, now);
      if (e) wait = Math.max(wait, e.lockedUntil - now);
    }
    return wait;
  }

  failed(username: string, address: string): void {
    const now = this.#o.clock.now().getTime();
    const [user, addr] = keysOf(username, address);
    this.#count(user, now, this.#o.freeFailures);
    this.#count(addr, now, this.#o.freeFailuresPerAddress);
  }

  succeeded(username: string): void {
    this.#entries.delete(keysOf(username, "")[0]);
  }

  #count(key: string, now: number, free: number): void {
    const e = this.#live(key, now) ?? { failures: 0, lastFailure: now, lockedUntil: 0 };
    e.failures += 1;
    e.lastFailure = now;
    if (e.failures >= free) {
      const lock = Math.min(this.#o.maxLockMs, this.#o.baseLockMs * 2 ** Math.min(e.failures - free, 30));
      e.lockedUntil = now + lock;
    }
    this.#entries.delete(key); // re-inserted last: the map's order is the order of last failure
    this.#entries.set(key, e);
    while (this.#entries.size > this.#o.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /** The entry of a key unless it is forgotten (then dropped). */
  #live(key: string, now: number): Entry | undefined {
    const e = this.#entries.get(key);
    if (e && now >= Math.max(e.lastFailure + this.#o.forgetAfterMs, e.lockedUntil)) {
      this.#entries.delete(key);
      return undefined;
    }
    return e;
  }
}

function keysOf(username: string, address: string): [string, string] {
  return [`user\n${username.trim().toLowerCase()}`, `addr\n${address}`];
}
