// A Transport for tests whose unary answers a function decides: what the code under test sends is seen call by call,
// and each answer is a response message or a thrown error. Never imported by production code.
import { create, type DescMessage, type DescMethodUnary, type MessageInitShape } from "@bufbuild/protobuf";
import type { Transport, UnaryResponse } from "@connectrpc/connect";
import { unaryResponse } from "./unary-response.ts";

/** One unary call as the transport received it. */
export interface UnaryCall {
  method: DescMethodUnary;
  /** The request as the client passed it (a message, or the init of one). */
  input: MessageInitShape<DescMessage>;
  headers: Headers;
  timeoutMs: number | undefined;
}

/**
 * A transport that answers each unary call with what `answer` returns (the init of the response message; nothing for
 * an empty one) or fails it with what `answer` throws. Streams are refused.
 */
export function answeringTransport(answer: (call: UnaryCall) => Promise<unknown>): Transport {
  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      _signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: ConstructorParameters<typeof Headers>[0],
      input: MessageInitShape<I>,
    ): Promise<UnaryResponse<I, O>> {
      const out = await answer({
        method: method as unknown as DescMethodUnary,
        input: input as MessageInitShape<DescMessage>,
        headers: new Headers(header),
        timeoutMs,
      });
      return unaryResponse(method, create(method.output, (out ?? {}) as MessageInitShape<O>));
    },
    async stream() {
      throw new Error("no streams");
    },
  };
}
