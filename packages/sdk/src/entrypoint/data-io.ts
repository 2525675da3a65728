// Reading and writing the entrypoint's data by URI: file:// URIs and plain paths on the local disk, s3:// through the
// S3 blob store of @aloft/platform (one per bucket, configured from the environment), or any URI of a given BlobStore
// (runLocal's in-memory store, warm workers sharing the engine's store).
// The S3 store is loaded on the first s3:// URI, not imported: it brings the AWS SDK, which an authoring SDK should
// not cost its users. @aloft/platform is an optional peer dependency, present wherever tasks read S3 (the platform's
// images, the runner); a task image without it gets a clear error on its first s3:// URI.
import { mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BlobStore } from "@aloft/core";
import { AloftError, Code } from "@aloft/core";

export interface DataIo {
  /** The object; undefined when absent. */
  read(uri: string): Promise<Uint8Array | undefined>;
  write(uri: string, data: Uint8Array | string): Promise<void>;
}

const isNotFound = (e: unknown) =>
  (e instanceof AloftError && e.code === Code.NOT_FOUND) || (e as NodeJS.ErrnoException | null)?.code === "ENOENT";

function localPath(uri: string): string | undefined {
  if (uri.startsWith("file://")) return fileURLToPath(uri);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) return uri;
  return undefined;
}

const fileIo = {
  async read(path: string) {
    try {
      return new Uint8Array(await readFile(path));
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  },
  async write(path: string, data: Uint8Array | string) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data);
  },
};

// The part of @aloft/platform used here, written out so that the SDK neither builds against nor ships with it.
interface S3Module {
  openS3BlobStore(options: {
    bucket: string;
    region?: string;
    forcePathStyle?: boolean;
    endpoint?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
  }): Promise<BlobStore>;
}

async function loadS3(): Promise<S3Module> {
  try {
    // A variable specifier: the optional peer is resolved at run time only, never by the SDK's build.
    const specifier = "@aloft/platform";
    return (await import(specifier)) as S3Module;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException | null)?.code;
    if (
      (code === "ERR_MODULE_NOT_FOUND" || code === "ERR_PACKAGE_PATH_NOT_EXPORTED") &&
      String(e).includes("@aloft/platform")
    ) {
      throw new Error(
        "s3:// URIs need the S3 blob store of @aloft/platform, which is not installed (npm install @aloft/platform)",
      );
    }
    throw e;
  }
}

/** Local files and S3 (env: AWS_ENDPOINT_URL or FLYTE_AWS_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID/SECRET_ACCESS_KEY). */
export function uriIo(env: Record<string, string | undefined> = process.env): DataIo {
  const buckets = new Map<string, Promise<BlobStore>>();
  const s3 = (uri: string) => {
    const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
    if (!m) return undefined;
    const bucket = m[1]!;
    let store = buckets.get(bucket);
    if (!store) {
      const endpoint = env.AWS_ENDPOINT_URL ?? env.FLYTE_AWS_ENDPOINT;
      const id = env.AWS_ACCESS_KEY_ID ?? env.FLYTE_AWS_ACCESS_KEY_ID;
      const secret = env.AWS_SECRET_ACCESS_KEY ?? env.FLYTE_AWS_SECRET_ACCESS_KEY;
      store = loadS3().then(({ openS3BlobStore }) =>
        openS3BlobStore({
          bucket,
          region: env.AWS_REGION ?? "us-east-1",
          forcePathStyle: endpoint !== undefined,
          ...(endpoint && { endpoint }),
          ...(id && secret && { credentials: { accessKeyId: id, secretAccessKey: secret } }),
        }),
      );
      // A failed load or a refused bucket name is reported on every use, not cached as a rejected promise forever.
      store.catch(() => buckets.delete(bucket));
      buckets.set(bucket, store);
    }
    return { store, key: m[2]! };
  };
  return {
    async read(uri) {
      const p = localPath(uri);
      if (p !== undefined) return fileIo.read(p);
      const o = s3(uri);
      if (!o) throw new Error(`unsupported URI ${uri}`);
      try {
        return await (await o.store).get(o.key);
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    },
    async write(uri, data) {
      const p = localPath(uri);
      if (p !== undefined) return fileIo.write(p, data);
      const o = s3(uri);
      if (!o) throw new Error(`unsupported URI ${uri}`);
      await (await o.store).put(o.key, data);
    },
  };
}

/** URIs of `store` through the store; anything else (file:// elsewhere, s3://) through `fallback`. */
export function blobStoreIo(store: BlobStore, fallback: DataIo = uriIo()): DataIo {
  const keyOf = (uri: string) => {
    try {
      return store.keyOf(uri);
    } catch {
      return undefined;
    }
  };
  return {
    async read(uri) {
      const key = keyOf(uri);
      if (key === undefined) return fallback.read(uri);
      try {
        return await store.get(key);
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    },
    async write(uri, data) {
      const key = keyOf(uri);
      if (key === undefined) return fallback.write(uri, data);
      await store.put(key, data);
    },
  };
}

/** Files under a local directory (relative paths), for uploading a directory output. */
export async function listLocalFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listLocalFiles(dir, rel)));
    else out.push(rel);
  }
  return out;
}

export async function isLocalDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

export { localPath };
