// Retries with exponential backoff and full jitter (AWS architecture blog's "full jitter": sleep a uniformly random
// time in [0, min(cap, base * 2^attempt))), only for codes that say "try again later".
import { Code } from "@connectrpc/connect";

export interface RetryPolicy {
  /** Attempts in total, the first included (1 = no retries). */
  maxAttempts: number;
  /** Backoff base and cap in milliseconds. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Codes worth retrying; default UNAVAILABLE and RESOURCE_EXHAUSTED only. */
  retryableCodes: readonly Code[];
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
  retryableCodes: [Code.Unavailable, Code.ResourceExhausted],
};

/** Full-jitter delay before retry number `retry` (0 = the first retry). `random` returns [0, 1). */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

/** Sleeps `ms`, or rejects with the signal's reason as soon as it aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/** What a Headers constructor accepts (the DOM's HeadersInit, which our lib settings do not include). */
export type HeaderInit = ConstructorParameters<typeof Headers>[0];
