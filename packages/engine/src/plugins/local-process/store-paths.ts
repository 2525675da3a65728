// Blob locations as raw containers meet them: URIs of the engine's blob store, and on a laptop also plain absolute
// paths or file:// URIs outside the store (what a local flytekit run hands over). The local blob store's URIs are
// `file://` + the absolute path, unencoded; the same convention is used here.
import { AloftError, Code } from "@aloft/core/errors.ts";
import type { BlobStore } from "@aloft/core/blob/blob-store.ts";

/** The store key of a URI; a plain absolute path counts as its file:// URI. INVALID_ARGUMENT when foreign. */
export function keyOfUri(store: BlobStore, uriOrPath: string): string {
  return store.keyOf(uriOrPath.startsWith("/") ? `file://${uriOrPath}` : uriOrPath);
}

/** The store key, or the local path of a file location the store does not hold; throws for other foreign URIs. */
export function locate(store: BlobStore, uriOrPath: string): { key: string } | { path: string } {
  try {
    return { key: keyOfUri(store, uriOrPath) };
  } catch (e) {
    if (!(e instanceof AloftError && e.code === Code.INVALID_ARGUMENT)) throw e;
    if (uriOrPath.startsWith("/")) return { path: uriOrPath };
    if (uriOrPath.startsWith("file:///")) return { path: uriOrPath.slice("file://".length) };
    throw e;
  }
}
