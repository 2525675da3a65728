// BRIDGE, to remove: @kubernetes/client-node 2 depends on undici 8, which needs Node >= 22.19, while Aloft supports
// Node >= 20.19. undici 8 touches three Node 22 APIs when it loads or fetches; on Node 20 they are missing and importing
// the library throws. This module fills exactly those three (none of them is used by anything else we run) and must be
// imported before @kubernetes/client-node. It does nothing on Node 22. Remove it once the engines floor is Node 22 or
// the dependency is pinned to a client-node release on node-fetch (1.4.x).
import zlib from "node:zlib";
import workerThreads from "node:worker_threads";

const z = zlib as unknown as Record<string, unknown>;
if (typeof z.createZstdDecompress !== "function") {
  // Only reached for a `Content-Encoding: zstd` answer, which the API server never sends unasked.
  z.createZstdDecompress = () => {
    throw new Error("zstd decompression needs Node 22");
  };
}
const wt = workerThreads as unknown as Record<string, unknown>;
if (typeof wt.markAsUncloneable !== "function") wt.markAsUncloneable = () => {};
const P = Promise as unknown as { withResolvers?: unknown };
if (typeof P.withResolvers !== "function") {
  P.withResolvers = <T>() => {
    let resolve!: (value: T) => void;
    let reject!: (reason: unknown) => void;
    const promise = new Promise<T>((a, b) => {
      resolve = a;
      reject = b;
    });
    return { promise, resolve, reject };
  };
}
