// A Transport wrapper that every client call goes through, whatever carries it (gRPC, the HTTP gateway, a fake):
// request ids, the auth hook, one deadline per call (retries included), retries with backoff and full jitter on
// UNAVAILABLE / RESOURCE_EXHAUSTED only, and idempotent creates (see idempotency.ts).
import { randomUUID } from "node:crypto";
import type { DescMessage, DescMethodStreaming, DescMethodUnary, MessageInitShape } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ContextValues,
  type StreamResponse,
  type Transport,
  type UnaryResponse,
} from "@connectrpc/connect";
import { prepareIdempotentCall } from "./idempotency.ts";
import { defaultRetryPolicy, backoffDelay, realSleep, type HeaderInit, type RetryPolicy, type Sleep } from "./retry.ts";
import { unaryResponse } from "./unary-response.ts";

export interface CallInfo {
  /** `flyteidl.service.AdminService.GetExecution` */
  method: string;
  /** 0 for the first attempt. */
  attempt: number;
  headers: Headers;
}

/**
 * Adds credentials to a call, typically `headers.set("authorization", "Bearer …")`. Called before every attempt, so a
 * hook that caches and refreshes tokens (client credentials, device flow) fits here.
 */
export type AuthHook = (call: CallInfo) => void | Promise<void>;

export interface RetryEvent {
  method: string;
  attempt: number;
  delayMs: number;
  error: ConnectError;
}

export interface CallPolicy {
  retry?: Partial<RetryPolicy>;
  /** Deadline for a whole call, retries included, unless the call passes its own `timeoutMs`. 0/undefined: none. */
  timeoutMs?: number;
  auth?: AuthHook;
  /** Called when a call is refused as UNAUTHENTICATED; the call is then made once more (the hook fetches a new token). */
  onUnauthenticated?: () => void;
  /** Generates the `x-request-id` sent with a call (the same for all its attempts). */
  requestId?: () => string;
  onRetry?: (e: RetryEvent) => void;
  /** Injected for tests. */
  sleep?: Sleep;
  random?: () => number;
  now?: () => number;
}

export const REQUEST_ID_HEADER = "x-request-id";

const fullName = (m: { parent: { typeName: string }; name: string }) => `${m.parent.typeName}.${m.name}`;

export function resilientTransport(inner: Transport, policy: CallPolicy = {}): Transport {
  const retry: RetryPolicy = { ...defaultRetryPolicy, ...policy.retry };
  const sleep = policy.sleep ?? realSleep;
  const random = policy.random ?? Math.random;
  const now = policy.now ?? Date.now;
  const requestId = policy.requestId ?? randomUUID;

  function baseHeaders(header: HeaderInit | undefined): Headers {
    const h = new Headers(header);
    if (!h.has(REQUEST_ID_HEADER)) h.set(REQUEST_ID_HEADER, requestId());
    return h;
  }

  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeaderInit | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      const name = fullName(method);
      const budget = timeoutMs ?? policy.timeoutMs;
      const deadline = budget ? now() + budget : undefined;
      const headers = baseHeaders(header);
      const prepared =
        retry.maxAttempts > 1 ? prepareIdempotentCall(method, input, random) : { input, alreadyExists: undefined };
      let reauthenticated = false;
      for (let attempt = 0; ; attempt++) {
        const h = new Headers(headers);
        await policy.auth?.({ method: name, attempt, headers: h });
        const remaining = deadline === undefined ? undefined : deadline - now();
        if (remaining !== undefined && remaining <= 0) {
          throw new ConnectError(
            `deadline of ${budget} ms exceeded after ${attempt} attempt(s)`,
            Code.DeadlineExceeded,
          );
        }
        try {
          return await inner.unary(method, signal, remaining, h, prepared.input, contextValues);
        } catch (e) {
          const err = ConnectError.from(e);
          if (err.code === Code.Unauthenticated && policy.onUnauthenticated && !reauthenticated && !signal?.aborted) {
            reauthenticated = true;
            policy.onUnauthenticated();
            continue;
          }
          if (attempt > 0 && err.code === Code.AlreadyExists && prepared.alreadyExists) {
            return unaryResponse(method, prepared.alreadyExists());
          }
          if (!retry.retryableCodes.includes(err.code) || attempt + 1 >= retry.maxAttempts || signal?.aborted)
            throw err;
          const delayMs = backoffDelay(retry, attempt, random);
          if (deadline !== undefined && now() + delayMs >= deadline) throw err;
          policy.onRetry?.({ method: name, attempt: attempt + 1, delayMs, error: err });
          await sleep(delayMs, signal);
        }
      }
    },

    async stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeaderInit | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ): Promise<StreamResponse<I, O>> {
      // Streams are not retried: their messages cannot be replayed.
      const h = baseHeaders(header);
      await policy.auth?.({ method: fullName(method), attempt: 0, headers: h });
      return inner.stream(method, signal, timeoutMs ?? policy.timeoutMs, h, input, contextValues);
    },
  };
}
