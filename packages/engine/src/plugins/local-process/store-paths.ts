// Blob locations as host processes meet them. The local blob store's URIs are `file://` + the absolute path, unencoded;
// a task process is handed the plain absolute path instead (`hostPath`): flytekit records the locations it is given in
// its Blob literals and checks them with os.path.isfile / isdir, which a `file://` string fails, while fsspec treats a
// plain path as a local file. Readers here accept either form, and also locations outside the store on a laptop.
import { AloftError, Code } from "@aloft/core";
import type { BlobStore } from "@aloft/core";

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

/** A location as a host process is handed it: a `file://` URI as its plain absolute path, any other URI unchanged. */
export function hostPath(uri: string): string {
  return uri.startsWith("file:///") ? uri.slice("file://".length) : uri;
}
