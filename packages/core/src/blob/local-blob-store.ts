// A blob store over a local directory (the sandbox). Key "a/b/c.pb" is the real file <root>/a/b/c.pb and its
// URI is file:///<root>/a/b/c.pb, so flytekit running as a local process reads and writes the same files.
// Writes are atomic (sibling temp file + rename): a reader sees the old object or the new one, never half. Neither
// path fsyncs (a crash may lose a recent write, never tear one).
// Small in-memory bodies (the engine's status documents, inputs.pb, outputs) are written and read, and heads answered,
// with synchronous calls: on a local disk each such call costs a few microseconds, an awaited fs promise ~20 times that in
// CPU (the request object, the thread-pool hop, the promise; measured in docs/performance.md), and the event loop is
// busy for less time in total. Streams and large bodies keep the asynchronous path.
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import type { Dirent } from "node:fs";
import { mkdir, open, readFile, readdir, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AloftError, Code, internal, invalidArgument, notFound, resourceExhausted, unimplemented } from "../errors.ts";
import {
  compareKeys,
  toUint8Array,
  validateKey,
  validateListOptions,
  validatePrefix,
  validateSignedUrlOptions,
  type BlobBody,
  type BlobEntry,
  type BlobHead,
  type BlobListPage,
  type BlobStore,
  type ListOptions,
  type PutOptions,
  type SignedUrlOptions,
} from "./blob-store.ts";

/** Temp files of in-flight writes; never listed, and no key segment may start with it. */
const TMP_PREFIX = ".aloft-tmp-";

/** In-memory bodies up to this many bytes (UTF-16 units for a string) are written, objects up to it read, in sync calls. */
const SYNC_PUT_MAX = 1 << 20;

/** Directories this many puts of this process found or made are remembered (oldest forgotten first). */
const KNOWN_DIRS_MAX = 4096;

// Temp names: a random tag drawn once per process and a counter (a random draw per put cost more than the write).
// Another process or a worker thread draws its own tag; a clash anyway fails the exclusive create, never overwrites.
const TMP_TAG = `${TMP_PREFIX}${randomBytes(6).toString("hex")}-`;
let tmpCounter = 0;
const tmpName = () => `${TMP_TAG}${(++tmpCounter).toString(36)}`;

export interface LocalBlobStoreOptions {
  /** Directory holding the objects; created on first write. Made absolute. */
  root: string;
  /**
   * Signs URLs for an HTTP route that serves this store (the sandbox's data proxy). Without it
   * signedUrl is UNIMPLEMENTED: a file:// URI cannot carry a signature.
   */
  urlSigner?: (key: string, opts: SignedUrlOptions) => string | Promise<string>;
}

export class LocalBlobStore implements BlobStore {
  readonly scheme = "file";
  readonly root: string;
  readonly #urlSigner: LocalBlobStoreOptions["urlSigner"];
  /** Directories known to exist: a put there skips the mkdir (and remakes it if the directory has gone since). */
  readonly #knownDirs = new Set<string>();

  constructor(options: LocalBlobStoreOptions) {
    if (!options.root) throw invalidArgument("blob.invalid_root", "local blob store needs a root directory");
    this.root = resolve(options.root);
    this.#urlSigner = options.urlSigner;
  }

  uri(key: string): string {
    validatePrefix(key);
    return `file://${this.#rootSlash()}${key}`;
  }

  keyOf(uri: string): string {
    if (typeof uri !== "string" || !uri.startsWith("file:///")) {
      throw invalidArgument("blob.foreign_uri", `${JSON.stringify(uri)} is not a file:/// URI`);
    }
    const path = uri.slice("file://".length);
    if (path === this.root) return "";
    const rootSlash = this.#rootSlash();
    if (!path.startsWith(rootSlash)) {
      throw invalidArgument("blob.foreign_uri", `${uri} is not under the blob store root ${this.root}`);
    }
    return validatePrefix(path.slice(rootSlash.length));
  }

  async put(key: string, body: BlobBody, _opts?: PutOptions): Promise<void> {
    const path = this.#pathOf(checkLocalKey(key));
    const dir = dirname(path);
    if (
      typeof body === "string"
        ? body.length <= SYNC_PUT_MAX
        : body instanceof Uint8Array && body.byteLength <= SYNC_PUT_MAX
    ) {
      return this.#putSync(key, dir, path, body as string | Uint8Array);
    }
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      throw this.#writeError(key, e);
    }
    const tmp = join(dir, tmpName());
    try {
      if (typeof body === "string" || body instanceof Uint8Array) {
        await writeFile(tmp, body, { flag: "wx" });
      } else {
        await pipeline(body, createWriteStream(tmp, { flags: "wx" }));
      }
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw this.#writeError(key, e);
    }
  }

  /**
   * The same write in synchronous calls: exclusive create of the temp file, write, close, rename — no mkdir when
   * the directory is known, so a status rewrite is four system calls.
   */
  #putSync(key: string, dir: string, path: string, body: string | Uint8Array): void {
    const tmp = join(dir, tmpName());
    try {
      if (!this.#knownDirs.has(dir)) this.#makeDir(dir);
      try {
        writeFileSync(tmp, body, { flag: "wx" });
      } catch (e) {
        // The directory was removed since it was remembered: make it again, once.
        if (errno(e) !== "ENOENT" || !this.#knownDirs.has(dir)) throw e;
        this.#makeDir(dir);
        writeFileSync(tmp, body, { flag: "wx" });
      }
      renameSync(tmp, path);
    } catch (e) {
      this.#knownDirs.delete(dir);
      try {
        rmSync(tmp, { force: true });
      } catch {
        // nothing to clean up, or nothing that can be
      }
      throw this.#writeError(key, e);
    }
  }

  #makeDir(dir: string): void {
    mkdirSync(dir, { recursive: true });
    if (this.#knownDirs.size >= KNOWN_DIRS_MAX) this.#knownDirs.delete(this.#knownDirs.values().next().value!);
    this.#knownDirs.add(dir);
  }

  async get(key: string): Promise<Uint8Array> {
    const path = this.#pathOf(checkLocalKey(key));
    // A small object (inputs.pb, outputs.pb, a status document) is read with synchronous calls, and an absent one
    // answered without an exception; a large one asynchronously.
    let small: boolean;
    try {
      const info = statSync(path, { throwIfNoEntry: false });
      if (!info?.isFile()) throw this.#notFound(key);
      small = info.size <= SYNC_PUT_MAX;
    } catch (e) {
      throw this.#readError(key, e);
    }
    try {
      return toUint8Array(small ? readFileSync(path) : await readFile(path));
    } catch (e) {
      throw this.#readError(key, e);
    }
  }

  async getStream(key: string): Promise<Readable> {
    const path = this.#pathOf(checkLocalKey(key));
    let handle: FileHandle;
    try {
      handle = await open(path, "r");
    } catch (e) {
      throw this.#readError(key, e);
    }
    // Opening a directory succeeds on Linux; only regular files are objects.
    let isFile = false;
    try {
      isFile = (await handle.stat()).isFile();
    } finally {
      if (!isFile) await handle.close();
    }
    if (!isFile) throw this.#notFound(key);
    return handle.createReadStream();
  }

  async head(key: string): Promise<BlobHead | undefined> {
    const path = this.#pathOf(checkLocalKey(key));
    try {
      // Synchronous and without an exception for an absent file: the engine asks for files a task may not have
      // written (error.pb, deck.html, futures.pb) several times per node.
      const info = statSync(path, { throwIfNoEntry: false });
      return info?.isFile() ? { size: info.size, lastModified: info.mtime } : undefined;
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw internal("blob.io", `head ${this.uri(key)}: ${(e as Error).message}`, e);
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== undefined;
  }

  async delete(key: string): Promise<void> {
    const path = this.#pathOf(checkLocalKey(key));
    try {
      await unlink(path);
    } catch (e) {
      const code = errno(e);
      // Absent, or a directory (no object has that key): nothing to delete.
      if (isMissing(e) || code === "EISDIR" || code === "EPERM") return;
      throw internal("blob.io", `delete ${this.uri(key)}: ${(e as Error).message}`, e);
    }
  }

  async list(prefix: string, opts?: ListOptions): Promise<BlobListPage> {
    validatePrefix(prefix);
    const { limit, startAfter } = validateListOptions(opts);
    const items: BlobEntry[] = [];
    const baseKey = prefix.slice(0, prefix.lastIndexOf("/") + 1); // "" or "a/b/"
    await this.#walk(baseKey, prefix, startAfter, limit + 1, items);
    if (items.length <= limit) return { items };
    const page = items.slice(0, limit);
    return { items: page, next: page[page.length - 1]!.key };
  }

  async signedUrl(key: string, opts: SignedUrlOptions): Promise<string> {
    validateKey(key);
    validateSignedUrlOptions(opts);
    if (!this.#urlSigner) {
      throw unimplemented(
        "blob.signed_url_unsupported",
        "signed URLs need an HTTP signer for the local blob store; none is configured",
      );
    }
    return this.#urlSigner(key, opts);
  }

  async close(): Promise<void> {}

  /**
   * Depth-first walk in key byte order: within a directory, entry "x" of a sub-directory stands for keys
   * "x/..." and sorts as "x/", so visiting entries in that order yields keys already sorted and the walk can
   * stop as soon as it holds `want` keys.
   */
  async #walk(
    dirKey: string,
    prefix: string,
    startAfter: string | undefined,
    want: number,
    out: BlobEntry[],
  ): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(this.#pathOf(dirKey), { withFileTypes: true });
    } catch (e) {
      if (isMissing(e)) return;
      throw internal("blob.io", `list ${this.uri(dirKey)}: ${(e as Error).message}`, e);
    }
    const candidates: { key: string; dir: boolean; sortKey: string }[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith(TMP_PREFIX)) continue;
      let dir = entry.isDirectory();
      let file = entry.isFile();
      if (entry.isSymbolicLink()) {
        const info = await stat(join(this.#pathOf(dirKey), entry.name)).catch(() => undefined);
        dir = info?.isDirectory() ?? false;
        file = info?.isFile() ?? false;
      }
      if (!dir && !file) continue;
      const key = dirKey + entry.name;
      const sortKey = dir ? `${key}/` : key;
      // Keep what can match the prefix: a file key starting with it, or a directory on the way to it or under it.
      if (dir ? !(sortKey.startsWith(prefix) || prefix.startsWith(sortKey)) : !key.startsWith(prefix)) continue;
      // Skip what sorts entirely at or before startAfter.
      if (startAfter !== undefined) {
        if (!dir && compareKeys(key, startAfter) <= 0) continue;
        if (dir && compareKeys(sortKey, startAfter) < 0 && !startAfter.startsWith(sortKey)) continue;
      }
      candidates.push({ key, dir, sortKey });
    }
    candidates.sort((a, b) => compareKeys(a.sortKey, b.sortKey));
    for (const c of candidates) {
      if (out.length >= want) return;
      if (c.dir) {
        await this.#walk(c.sortKey, prefix, startAfter, want, out);
        continue;
      }
      const info = await stat(this.#pathOf(c.key)).catch(() => undefined);
      if (info?.isFile()) out.push({ key: c.key, size: info.size, lastModified: info.mtime });
    }
  }

  #rootSlash(): string {
    return this.root.endsWith("/") ? this.root : `${this.root}/`;
  }

  #pathOf(key: string): string {
    return key === "" ? this.root : join(this.root, ...key.split("/").filter((s) => s !== ""));
  }

  #notFound(key: string): AloftError {
    return notFound("blob.not_found", `blob ${this.uri(key)} not found`);
  }

  #readError(key: string, e: unknown): AloftError {
    if (e instanceof AloftError) return e;
    if (isMissing(e) || errno(e) === "EISDIR") return this.#notFound(key);
    const exhausted = resourceExhausted(e, `read ${this.uri(key)}`);
    if (exhausted) return exhausted;
    return internal("blob.io", `read ${this.uri(key)}: ${(e as Error).message}`, e);
  }

  #writeError(key: string, e: unknown): AloftError {
    if (e instanceof AloftError) return e;
    const exhausted = resourceExhausted(e, `write ${this.uri(key)}`);
    if (exhausted) return exhausted;
    const code = errno(e);
    if (code === "ENOTDIR" || code === "EEXIST" || code === "EISDIR" || code === "ENOTEMPTY") {
      return new AloftError(
        Code.FAILED_PRECONDITION,
        "blob.key_conflict",
        `cannot write ${this.uri(key)}: a local directory cannot hold both an object and objects under it with the same name`,
        { cause: e },
      );
    }
    return internal("blob.io", `write ${this.uri(key)}: ${(e as Error).message}`, e);
  }
}

function checkLocalKey(key: string): string {
  validateKey(key);
  if (key.split("/").some((s) => s.startsWith(TMP_PREFIX))) {
    throw invalidArgument(
      "blob.invalid_key",
      `invalid blob key ${JSON.stringify(key)}: segments must not start with ${TMP_PREFIX}`,
    );
  }
  return key;
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

function isMissing(e: unknown): boolean {
  const code = errno(e);
  return code === "ENOENT" || code === "ENOTDIR";
}
