// The public clients of the self-hosted authorization server: those with no secret, which may only use the
// authorization code grant with PKCE (S256) and refresh tokens. Upstream registers flytectl and flyte-cli with the
// loopback redirect URIs its CLIs listen on (localhost:53593 and localhost:12345); Aloft adds its own console
// (`aloft-console`, redirected to <publicUrl>/callback). The confidential flytepropeller client of upstream is the
// client-credentials one in clients.ts.
export interface PublicClient {
  id: string;
  redirectUris: string[];
  scopes: string[];
}

export const CONSOLE_CLIENT_ID = "aloft-console";
export const PUBLIC_SCOPES = ["all", "offline", "openid", "profile"];
const CLI_REDIRECTS = ["http://localhost:53593/callback", "http://localhost:12345/callback"];

export function publicClients(publicUrl: () => string): Map<string, () => PublicClient> {
  return new Map<string, () => PublicClient>([
    ["flytectl", () => ({ id: "flytectl", redirectUris: CLI_REDIRECTS, scopes: PUBLIC_SCOPES })],
    ["flyte-cli", () => ({ id: "flyte-cli", redirectUris: CLI_REDIRECTS, scopes: PUBLIC_SCOPES })],
    [
      CONSOLE_CLIENT_ID,
      () => ({ id: CONSOLE_CLIENT_ID, redirectUris: [`${publicUrl()}/callback`], scopes: PUBLIC_SCOPES }),
    ],
  ]);
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Whether `given` is one of the client's redirect URIs. Exact match, except (RFC 8252 §7.3) that a registered
 * loopback http URI matches the same path on any loopback host and port: a CLI listens on whatever port is free.
 */
export function redirectAllowed(client: PublicClient, given: string): boolean {
  let g: URL;
  try {
    g = new URL(given);
  } catch {
    return false;
  }
  if (g.hash !== "" || g.username !== "" || g.password !== "") return false;
  for (const r of client.redirectUris) {
    if (r === given) return true;
    const reg = new URL(r);
    if (
      reg.protocol === "http:" &&
      LOOPBACK.has(reg.hostname) &&
      g.protocol === "http:" &&
      LOOPBACK.has(g.hostname) &&
      g.pathname === reg.pathname &&
      g.search === reg.search
    ) {
      return true;
    }
  }
  return false;
}
