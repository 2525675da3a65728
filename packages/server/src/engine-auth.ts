// The split-mode engine's connection to admin. With auth on it authenticates as its own client (auth.client.id,
// flytepropeller by default) with client credentials: the token endpoint comes from admin's AuthMetadataService, the
// secret from auth.client.secretFile (default <secretsDir>/<id>.secret, written by `aloft secret init`), and the token
// is renewed before it expires.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ClientCredentialsOptions } from "@aloft/client";
import { underDataDir, type AloftConfig } from "@aloft/core";
import { failedPrecondition } from "@aloft/core";

export function engineSecretFile(config: AloftConfig): string {
  const { client, secretsDir } = config.auth;
  return client.secretFile
    ? underDataDir(config, client.secretFile)
    : join(underDataDir(config, secretsDir), `${client.id}.secret`);
}

/** The engine's client credentials for `@aloft/client` (the token endpoint is discovered from admin); none with auth off. */
export function engineCredentials(config: AloftConfig): Omit<ClientCredentialsOptions, "discover"> | undefined {
  if (!config.auth.enabled) return undefined;
  const file = engineSecretFile(config);
  if (!existsSync(file)) {
    throw failedPrecondition(
      "auth.no_client_secret",
      `auth is enabled but the engine's client secret ${file} does not exist (aloft secret init writes it; or set auth.client.secretFile)`,
    );
  }
  return { clientId: config.auth.client.id, clientSecret: () => readFileSync(file, "utf8").trim() };
}
