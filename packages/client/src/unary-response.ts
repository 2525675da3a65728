// The response every transport of this package hands connect's client for a unary call (the gRPC fast path, the HTTP
// gateway, the retrying wrapper's settled retry, the test fake): one place that knows its shape.
import type { DescMessage, DescMethodUnary, MessageShape } from "@bufbuild/protobuf";
import type { UnaryResponse } from "@connectrpc/connect";

export function unaryResponse<I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  message: MessageShape<O>,
  header: Headers = new Headers(),
  trailer: Headers = new Headers(),
): UnaryResponse<I, O> {
  return { stream: false, service: method.parent, method, header, trailer, message };
}
