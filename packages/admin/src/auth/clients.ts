// The confidential clients of the self-hosted authorization server: every `<id>.secret-hash` in the secrets directory
// (`aloft secret init` writes flytepropeller's, the engine's, and any `--client`), plus auth.self.clients from the
// config (whose secretHash, when given, wins). Public clients (flytectl, flyte-cli) have no secret and cannot use
// the client credentials grant.
import { existsSync, readdirSync } from "node:fs";
import type { AuthClientConfig } from "@aloft/core";
import { readClientSecretHash } from "./secret-files.ts";
import { isSecretHash, verifySecret } from "./secret-hash.ts";

export const DEFAULT_CLIENT_SCOPES = ["all", "offline"];

export interface ClientRecord {
  id: string;
  secretHash: string;
  scopes: string[];
}

export class ClientRegistry {
  private readonly clients = new Map<string, ClientRecord>();

  constructor(secretsDir: string, configured: AuthClientConfig[]) {
    if (existsSync(secretsDir)) {
      for (const f of readdirSync(secretsDir)) {
        if (!f.endsWith(".secret-hash")) continue;
        const id = f.slice(0, -".secret-hash".length);
        const hash = readClientSecretHash(secretsDir, id);
        if (hash && isSecretHash(hash)) this.clients.set(id, { id, secretHash: hash, scopes: DEFAULT_CLIENT_SCOPES });
      }
    }
    for (const c of configured) {
      const hash = c.secretHash || this.clients.get(c.id)?.secretHash || "";
      if (!isSecretHash(hash))
        throw new Error(
          `auth.self.clients: client ${c.id} has no valid secretHash and no ${c.id}.secret-hash in ${secretsDir}`,
        );
      this.clients.set(c.id, { id: c.id, secretHash: hash, scopes: c.scopes ?? DEFAULT_CLIENT_SCOPES });
    }
  }

  ids(): string[] {
    return [...this.clients.keys()];
  }

  /** The client if the secret is right (constant time; unknown ids take as long as wrong secrets). */
  async authenticate(id: string, secret: string): Promise<ClientRecord | undefined> {
    const client = this.clients.get(id);
    const ok = await verifySecret(secret, client?.secretHash);
    return ok ? client : undefined;
  }
}
