// Loopback facts shared by the bind check (who can reach the ports) and the peer checks (who is calling).
import { isIP } from "node:net";
import type { AloftConfig } from "./config.ts";
import { invalidArgument } from "./errors.ts";

/** Whether a socket's remote or local address is loopback: 127.0.0.0/8, ::1, or either mapped into IPv6. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.toLowerCase().replace(/^\[|\]$/g, "");
  const v4 = a.startsWith("::ffff:") && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
  if (isIP(v4) === 4) return v4.startsWith("127.");
  if (isIP(v4) === 6) return v4 === "::1" || v4 === "0:0:0:0:0:0:0:1";
  return false;
}

/** Whether binding `host` keeps the ports on this machine (`localhost` or a loopback address; "" and 0.0.0.0 do not). */
export function isLoopbackHost(host: string): boolean {
  return host.toLowerCase() === "localhost" || isLoopbackAddress(host);
}

export interface Exposure {
  /** The ports are reachable beyond this machine with authentication off (opted in). */
  insecureRemote: boolean;
}

/**
 * The "safe by default" rule: a non-loopback bind needs authentication, or the explicit `server.allowInsecureRemote`.
 * Throws the same config error as any other bad setting (the CLI exits 2).
 */
export function checkExposure(config: AloftConfig): Exposure {
  const host = config.server.host;
  if (isLoopbackHost(host) || config.auth.enabled) return { insecureRemote: false };
  if (config.server.allowInsecureRemote) return { insecureRemote: true };
  const shown = host === "" ? "all interfaces" : host;
  throw invalidArgument(
    "config.insecure_remote",
    `config server.host: refusing to listen on ${shown} with authentication off: anyone who can reach it could run commands ` +
      `on this machine. Use 127.0.0.1 (the default), turn authentication on, or opt in with --insecure-remote ` +
      `(server.allowInsecureRemote: true) on a network you trust (docs/security.md)`,
  );
}

/** What the banner shows for a bound host (an unspecified address is reachable as localhost too). */
export function displayHost(host: string): string {
  if (host === "" || host === "0.0.0.0" || host === "::") return "localhost";
  return isIP(host) === 6 ? `[${host}]` : host;
}
