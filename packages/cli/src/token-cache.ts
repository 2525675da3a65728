// Where the CLI keeps access tokens between runs: ~/.aloft/tokens/<endpoint+client hash>.json, directory 0700, file
// 0600 (written to a temporary file first, then renamed). Only the token and its expiry, never the client secret.
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { StoredToken, TokenCache } from "@aloft/client/client-credentials.ts";

export function tokenCachePath(endpoint: string, clientId: string, env: NodeJS.ProcessEnv = process.env): string {
  const key = createHash("sha256").update(`${endpoint}\n${clientId}`).digest("hex").slice(0, 32);
  return join(env.HOME || homedir(), ".aloft", "tokens", `${key}.json`);
}

export function fileTokenCache(path: string): TokenCache {
  return {
    load() {
      try {
        const t = JSON.parse(readFileSync(path, "utf8")) as Partial<StoredToken>;
        return typeof t.accessToken === "string" && typeof t.expiresAt === "number" ? { accessToken: t.accessToken, expiresAt: t.expiresAt } : undefined;
      } catch {
        return undefined;
      }
    },
    save(token) {
      try {
        const dir = join(path, "..");
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        chmodSync(dir, 0o700);
        const tmp = `${path}.${process.pid}.tmp`;
        writeFileSync(tmp, JSON.stringify(token), { mode: 0o600 });
        renameSync(tmp, path);
      } catch {
        // A token that cannot be cached is fetched again next time.
      }
    },
  };
}
