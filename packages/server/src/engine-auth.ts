// The split-mode engine's connection to admin. With auth on it authenticates as its own client (auth.client.id,
// flytepropeller by default) with client credentials: the token endpoint comes from admin's AuthMetadataService, the
// secret from auth.client.secretFile (default <secretsDir>/<id>.secret, written by `aloft secret init`), and the token
// is renewed before it expires.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { discoverAuth } from "@aloft/client/auth-discovery.ts";
import { clientCredentials, tokenSourceInterceptor } from "@aloft/client/client-credentials.ts";
import { underDataDir, type AloftConfig } from "@aloft/core/config.ts";
import { failedPrecondition } from "@aloft/core/errors.ts";

export function engineSecretFile(config: AloftConfig): string {
  const { client, secretsDir } = config.auth;
  return client.secretFile ? underDataDir(config, client.secretFile) : join(underDataDir(config, secretsDir), `${client.id}.secret`);
}

export function engineTransport(config: AloftConfig, baseUrl: string): Transport {
  const raw = createGrpcTransport({ baseUrl });
  if (!config.auth.enabled) return raw;
  const file = engineSecretFile(config);
  if (!existsSync(file)) {
    throw failedPrecondition("auth.no_client_secret", `auth is enabled but the engine's client secret ${file} does not exist (aloft secret init writes it; or set auth.client.secretFile)`);
  }
  const source = clientCredentials({
    clientId: config.auth.client.id,
    clientSecret: () => readFileSync(file, "utf8").trim(),
    discover: discoverAuth(raw),
  });
  return createGrpcTransport({ baseUrl, interceptors: [tokenSourceInterceptor(source)] });
}
