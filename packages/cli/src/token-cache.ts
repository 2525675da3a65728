// Where the CLI keeps access tokens between runs: ~/.aloft/tokens/<endpoint+client hash>.json, directory 0700, file
// 0600 (written to a temporary file first, then renamed). Only the token and its expiry, never the client secret.
// `aloft login` sessions (access and refresh token) sit beside them as login-<endpoint hash>.json.
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { StoredToken, TokenCache } from "@aloft/client";
import type { LoginSession, SessionStore } from "@aloft/client";

export function tokenCachePath(endpoint: string, clientId: string, env: NodeJS.ProcessEnv = process.env): string {
  const key = createHash("sha256").update(`${endpoint}\n${clientId}`).digest("hex").slice(0, 32);
  return join(env.HOME || homedir(), ".aloft", "tokens", `${key}.json`);
}

export function fileTokenCache(path: string): TokenCache {
  return {
    load() {
      try {
        const t = JSON.parse(readFileSync(path, "utf8")) as Partial<StoredToken>;
        return typeof t.accessToken === "string" && typeof t.expiresAt === "number"
          ? { accessToken: t.accessToken, expiresAt: t.expiresAt }
          : undefined;
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

/** Where `aloft login` keeps a person's session for an endpoint: ~/.aloft/tokens/login-<hash>.json (0600). */
export function loginSessionPath(endpoint: string, env: NodeJS.ProcessEnv = process.env): string {
  const key = createHash("sha256").update(`login\n${endpoint}`).digest("hex").slice(0, 32);
  return join(env.HOME || homedir(), ".aloft", "tokens", `login-${key}.json`);
}

export function fileSessionStore(path: string): SessionStore {
  return {
    load() {
      try {
        const s = JSON.parse(readFileSync(path, "utf8")) as Partial<LoginSession>;
        if (
          typeof s.accessToken !== "string" ||
          typeof s.expiresAt !== "number" ||
          typeof s.tokenEndpoint !== "string" ||
          typeof s.clientId !== "string"
        )
          return undefined;
        return s as LoginSession;
      } catch {
        return undefined;
      }
    },
    save(session) {
      const dir = join(path, "..");
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(session), { mode: 0o600 });
      chmodSync(tmp, 0o600);
      renameSync(tmp, path);
    },
    remove() {
      rmSync(path, { force: true });
    },
  };
}
