// The HMAC key of the local blob store's signed URLs: the configured one, else one generated at first start and
// kept under the data directory (mode 0600), so that URLs handed out stay valid across restarts.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { failedPrecondition } from "@aloft/core";

export const SIGNING_KEY_FILE = "dataproxy-signing.key";

export function loadOrCreateSigningKey(configured: string, file: string): string {
  if (configured !== "") return configured;
  try {
    const existing = readFileSync(file, "utf8").trim();
    if (existing.length < 32)
      throw failedPrecondition(
        "dataproxy.bad_signing_key",
        `signing key file ${file} is too short; delete it to generate a new one`,
      );
    // Tighten a key file someone loosened (the key signs every upload URL).
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return existing;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const key = randomBytes(32).toString("hex");
  mkdirSync(dirname(file), { recursive: true });
  try {
    writeFileSync(file, `${key}\n`, { mode: 0o600, flag: "wx" });
  } catch (e) {
    // Another process created it first: use theirs.
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return readFileSync(file, "utf8").trim();
    throw e;
  }
  return key;
}

/** The base URL clients reach the HTTP server at: the configured public URL, else from the bound host and port. */
export function publicHttpUrl(configured: string, host: string, port: number): string {
  if (configured !== "") return configured.replace(/\/+$/, "");
  const h = host === "" || host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  return `http://${h}:${port}`;
}
