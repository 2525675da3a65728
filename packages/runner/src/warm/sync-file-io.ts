// A warm worker's data I/O: local files read and written synchronously (a worker runs one invocation at a time, so
// nothing waits on its event loop meanwhile), remembering the directories it made so that writing a file into one of
// them costs no mkdir; other URIs (s3://) through `remote`.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { DataIo } from "@aloft/sdk";
import { localPath } from "@aloft/sdk";

/** Directories remembered at most (then forgotten all at once): a long-lived worker's memory stays bounded. */
const MAX_DIRS = 4096;

const code = (e: unknown) => (e as NodeJS.ErrnoException | null)?.code;

export function syncFileIo(remote: DataIo): DataIo {
  const made = new Set<string>();
  const mkdir = (dir: string) => {
    mkdirSync(dir, { recursive: true });
    if (made.size >= MAX_DIRS) made.clear();
    made.add(dir);
  };
  return {
    async read(uri) {
      const path = localPath(uri);
      if (path === undefined) return remote.read(uri);
      try {
        return readFileSync(path);
      } catch (e) {
        if (code(e) === "ENOENT") return undefined;
        throw e;
      }
    },
    async write(uri, data) {
      const path = localPath(uri);
      if (path === undefined) return remote.write(uri, data);
      const dir = dirname(path);
      if (!made.has(dir)) mkdir(dir);
      try {
        writeFileSync(path, data);
      } catch (e) {
        // A remembered directory removed since: made again.
        if (code(e) !== "ENOENT") throw e;
        mkdir(dir);
        writeFileSync(path, data);
      }
    },
  };
}
