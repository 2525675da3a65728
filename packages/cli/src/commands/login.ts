// `aloft login` / `aloft logout`. A person signs in through the browser (authorization code + PKCE, S256) at the
// authorization server admin advertises, with a loopback listener for the answer; the URL is always printed, so
// `--no-browser` works over ssh. `--device` signs in with the device authorization grant (RFC 8628) instead: the
// verification URI and a user code are printed, to be entered in a browser anywhere, and the CLI polls. With `authType: ClientSecret` in the config, login fetches a client-credentials
// token instead. Sessions and tokens go to ~/.aloft/tokens (0600); every later command uses them and refreshes
// them; logout revokes the refresh token and deletes them.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { Command } from "commander";
import type { Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { deviceLogin, discoverAuth, discoverDevice, discoverLogin } from "@aloft/client";
import { clientCredentials } from "@aloft/client";
import { endpointUrl } from "@aloft/client";
import { createHttpGatewayTransport } from "@aloft/client";
import { browserLogin, logoutSession } from "@aloft/client";
import { invalidArgument } from "@aloft/core";
import { clientOptions, sessionKey, type CliConfig } from "../config.ts";
import { act } from "../context.ts";
import { fileSessionStore, loginSessionPath, tokenCachePath } from "../token-cache.ts";
import { connectionOptions } from "./connection.ts";

/** A transport without credentials: discovery is anonymous (AuthMetadataService). */
function anonymousTransport(c: CliConfig): Transport {
  const baseUrl = endpointUrl({ endpoint: c.endpoint, insecure: c.insecure, protocol: c.protocol });
  const tls = clientOptions(c, {}).tls;
  if (c.protocol === "http") return createHttpGatewayTransport({ baseUrl, tls });
  return createGrpcTransport({
    baseUrl,
    nodeOptions: baseUrl.startsWith("https:") ? { ca: tls?.ca, rejectUnauthorized: !tls?.insecureSkipVerify } : {},
  });
}

function openBrowser(url: string): void {
  const cmd = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  try {
    const child = spawn(cmd, [url], { stdio: "ignore", detached: true });
    child.on("error", () => undefined);
    child.unref();
  } catch {
    // no browser here: the printed URL is enough
  }
}

export function loginCommand(): Command {
  return connectionOptions(
    new Command("login")
      .description(
        "sign in: in a browser (authorization code + PKCE), or with the client credentials of the config file",
      )
      .option("--no-browser", "only print the URL to open (e.g. over ssh)")
      .option(
        "--device",
        "sign in with a code entered in a browser on any device (RFC 8628 device flow; for machines without a browser)",
      )
      .option(
        "--callback-port <port>",
        "port of the loopback listener for the browser's answer (0: any free one; default: the registered redirect URI's)",
      )
      .option("--timeout <seconds>", "how long to wait for the sign-in", "300"),
  ).action(
    act(async (ctx, _args, flags) => {
      const c = ctx.config;
      const transport = anonymousTransport(c);
      if (flags.device) {
        if (c.clientSecret)
          throw invalidArgument(
            "cli.login",
            "--device signs a person in, but the config's authType ClientSecret makes every command use client credentials",
          );
        const session = await deviceLogin({
          endpoints: await discoverDevice(transport)(),
          prompt: (p) =>
            ctx.err(
              `To sign in, open ${p.verificationUri} in a browser and enter the code ${p.userCode}` +
                `${p.verificationUriComplete ? `\n  (or open ${p.verificationUriComplete})` : ""}` +
                `\nThe code expires in ${Math.round(p.expiresInSeconds / 60)} min. Waiting…`,
            ),
        });
        fileSessionStore(loginSessionPath(sessionKey(c))).save(session);
        ctx.out(
          `signed in to ${c.endpoint} (session in ~/.aloft/tokens, refreshed automatically; aloft logout ends it)`,
        );
        return;
      }
      if (c.clientSecret) {
        const opts = clientOptions(c).clientCredentials!;
        const source = clientCredentials({ ...opts, discover: discoverAuth(transport) });
        await source.token();
        ctx.out(`authenticated as client ${c.clientSecret.clientId} (token cached in ~/.aloft/tokens)`);
        return;
      }
      const port = flags.callbackPort === undefined ? undefined : Number(flags.callbackPort);
      if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536))
        throw invalidArgument("cli.login", "--callback-port must be a port number");
      const endpoints = await discoverLogin(transport)();
      const session = await browserLogin({
        endpoints,
        ...(port !== undefined ? { port } : {}),
        timeoutMs: Number(flags.timeout) * 1000,
        prompt: (url) => ctx.err(`Open this URL to sign in:\n  ${url}`),
        ...(flags.browser === false ? {} : { open: openBrowser }),
      });
      fileSessionStore(loginSessionPath(sessionKey(c))).save(session);
      ctx.out(`signed in to ${c.endpoint} (session in ~/.aloft/tokens, refreshed automatically; aloft logout ends it)`);
    }),
  );
}

export function logoutCommand(): Command {
  return connectionOptions(
    new Command("logout").description(
      "end the session of aloft login (the refresh token is revoked) and forget cached tokens",
    ),
  ).action(
    act(async (ctx) => {
      const c = ctx.config;
      const result = await logoutSession(fileSessionStore(loginSessionPath(sessionKey(c))));
      if (c.clientSecret) rmSync(tokenCachePath(sessionKey(c), c.clientSecret.clientId), { force: true });
      ctx.out(
        result === "revoked"
          ? `signed out of ${c.endpoint}: the session is revoked`
          : result === "forgotten"
            ? `signed out of ${c.endpoint} (the session is forgotten here)`
            : `not signed in to ${c.endpoint}`,
      );
    }),
  );
}
