// The CLI's connection settings: `~/.aloft/config.yaml` (or `--config`), overridden by ALOFT_ENDPOINT, overridden by
// flags. The file is flytectl's in spirit: top-level keys or flytectl's `admin:` section both work.
//
//   endpoint: localhost:8089      # or dns:///host:port, http(s)://host:port
//   insecure: true                # h2c / plain http
//   protocol: grpc                # or http (the /api/v1 gateway)
//   project: flytesnacks
//   domain: development
//   caCertFile: ./ca.pem          # TLS: extra CA; insecureSkipVerify: true to accept any certificate
//   authType: ClientSecret        # OAuth2 client credentials, as flytectl:
//   clientId: ci-bot
//   clientSecretLocation: /etc/aloft/ci-bot.secret   # or clientSecretEnvVar: CI_BOT_SECRET
//   scopes: [all]                 # optional; tokenUrl and audience too (default: discovered from admin)
// Tokens are kept in ~/.aloft/tokens (0600). A bearer token can also come from the environment: ALOFT_TOKEN. Without
// either, the session of `aloft login` (a person signed in through the browser) is used, and refreshed, if there is one.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { parse } from "yaml";
import { invalidArgument } from "@aloft/core";
import type { AloftClientOptions } from "@aloft/client";
import { bearerToken } from "@aloft/client";
import { tokenSourceAuth } from "@aloft/client";
import { sessionTokenSource } from "@aloft/client";
import { fileSessionStore, fileTokenCache, loginSessionPath, tokenCachePath } from "./token-cache.ts";

export interface CliConfig {
  endpoint: string;
  insecure: boolean;
  protocol: "grpc" | "http";
  project?: string;
  domain?: string;
  caCertFile?: string;
  insecureSkipVerify?: boolean;
  /** Per-call deadline in milliseconds (retries included). */
  timeoutMs?: number;
  /** OAuth2 client credentials (flytectl's `authType: ClientSecret`). */
  clientSecret?: {
    clientId: string;
    secretFile?: string;
    secretEnvVar?: string;
    scopes?: string[];
    tokenUrl?: string;
    audience?: string;
  };
  /** Where the settings came from (for error messages). */
  source: string;
}

export interface ConnectionFlags {
  config?: string;
  endpoint?: string;
  insecure?: boolean;
  protocol?: string;
  project?: string;
  domain?: string;
}

/** `~/.aloft/config.yaml`, with `~` from the given environment's HOME when set. */
export const DEFAULT_CONFIG_PATH = (env: NodeJS.ProcessEnv = process.env) =>
  join(env.HOME || homedir(), ".aloft", "config.yaml");

type Raw = Record<string, unknown>;

function readFile(path: string, explicit: boolean): Raw {
  if (!existsSync(path)) {
    if (explicit) throw invalidArgument("cli.config", `config file ${path} does not exist`);
    return {};
  }
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw invalidArgument(
      "cli.config",
      `config file ${path} is not valid YAML: ${(err as Error).message.split("\n")[0]}`,
    );
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc))
    throw invalidArgument("cli.config", `config file ${path} must be a mapping`);
  const flat: Raw = { ...(doc as Raw) };
  const admin = flat.admin;
  if (admin && typeof admin === "object") {
    for (const [k, v] of Object.entries(admin as Raw)) flat[k] ??= v;
  }
  return flat;
}

function str(raw: Raw, key: string, path: string): string | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string" || v === "")
    throw invalidArgument("cli.config", `${path}: ${key} must be a non-empty string`);
  return v;
}

function bool(raw: Raw, key: string, path: string): boolean | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw invalidArgument("cli.config", `${path}: ${key} must be true or false`);
  return v;
}

export function loadCliConfig(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): CliConfig {
  const path = flags.config ?? DEFAULT_CONFIG_PATH(env);
  const raw = readFile(path, flags.config !== undefined);
  const protocol = flags.protocol ?? str(raw, "protocol", path) ?? "grpc";
  if (protocol !== "grpc" && protocol !== "http")
    throw invalidArgument("cli.config", `unknown protocol ${JSON.stringify(protocol)} (use grpc or http)`);
  const caCertFile = str(raw, "caCertFile", path);
  const timeout = raw.timeoutMs;
  if (timeout !== undefined && (typeof timeout !== "number" || timeout < 0))
    throw invalidArgument("cli.config", `${path}: timeoutMs must be a number`);
  const clientSecret = clientSecretSettings(raw, path);
  return {
    ...(clientSecret ? { clientSecret } : {}),
    endpoint:
      flags.endpoint ??
      env.ALOFT_ENDPOINT ??
      str(raw, "endpoint", path) ??
      (protocol === "http" ? "localhost:8088" : "localhost:8089"),
    insecure: flags.insecure ?? bool(raw, "insecure", path) ?? true,
    protocol,
    project: flags.project ?? str(raw, "project", path),
    domain: flags.domain ?? str(raw, "domain", path),
    caCertFile: caCertFile ? resolve(dirname(path), caCertFile) : undefined,
    insecureSkipVerify: bool(raw, "insecureSkipVerify", path),
    timeoutMs: timeout as number | undefined,
    source: existsSync(path) ? path : "defaults",
  };
}

function clientSecretSettings(raw: Raw, path: string): CliConfig["clientSecret"] {
  const type = str(raw, "authType", path);
  if (type === undefined) return undefined;
  if (type.toLowerCase() !== "clientsecret") {
    throw invalidArgument(
      "cli.config",
      `${path}: authType ${type} is not supported by aloft yet (use ClientSecret, or a token in ALOFT_TOKEN)`,
    );
  }
  const clientId = str(raw, "clientId", path);
  if (!clientId) throw invalidArgument("cli.config", `${path}: authType ClientSecret needs clientId`);
  const secretFile = str(raw, "clientSecretLocation", path);
  const secretEnvVar = str(raw, "clientSecretEnvVar", path);
  if (!secretFile && !secretEnvVar)
    throw invalidArgument(
      "cli.config",
      `${path}: authType ClientSecret needs clientSecretLocation or clientSecretEnvVar`,
    );
  const scopes = raw.scopes;
  if (scopes !== undefined && !(Array.isArray(scopes) && scopes.every((x) => typeof x === "string")))
    throw invalidArgument("cli.config", `${path}: scopes must be a list of strings`);
  const tokenUrl = str(raw, "tokenUrl", path);
  const audience = str(raw, "audience", path);
  return {
    clientId,
    ...(secretFile ? { secretFile: resolve(dirname(path), secretFile.replace(/^~(?=\/)/, homedir())) } : {}),
    ...(secretEnvVar ? { secretEnvVar } : {}),
    ...(scopes ? { scopes: scopes as string[] } : {}),
    ...(tokenUrl ? { tokenUrl } : {}),
    ...(audience ? { audience } : {}),
  };
}

function readClientSecret(c: NonNullable<CliConfig["clientSecret"]>, env: NodeJS.ProcessEnv): string {
  if (c.secretEnvVar && env[c.secretEnvVar]) return env[c.secretEnvVar]!.trim();
  if (c.secretFile) {
    try {
      return readFileSync(c.secretFile, "utf8").trim();
    } catch {
      throw invalidArgument("cli.config", `cannot read clientSecretLocation ${c.secretFile}`);
    }
  }
  throw invalidArgument("cli.config", `environment variable ${c.secretEnvVar} (clientSecretEnvVar) is not set`);
}

/** Client options for these settings; ALOFT_TOKEN (never the config file) supplies a bearer token. */
export function clientOptions(c: CliConfig, env: NodeJS.ProcessEnv = process.env): AloftClientOptions {
  let ca: Buffer | undefined;
  if (c.caCertFile) {
    try {
      ca = readFileSync(c.caCertFile);
    } catch {
      throw invalidArgument("cli.config", `cannot read caCertFile ${c.caCertFile}`);
    }
  }
  return {
    endpoint: c.endpoint,
    insecure: c.insecure,
    protocol: c.protocol,
    tls: { ca, insecureSkipVerify: c.insecureSkipVerify },
    timeoutMs: c.timeoutMs ?? 30_000,
    auth: env.ALOFT_TOKEN ? bearerToken(env.ALOFT_TOKEN) : undefined,
    ...(c.clientSecret && !env.ALOFT_TOKEN
      ? { clientCredentials: clientCredentialsOptions(c, c.clientSecret, env) }
      : {}),
    ...(!c.clientSecret && !env.ALOFT_TOKEN ? loginSessionAuth(c, env) : {}),
  };
}

/** The endpoint a login session belongs to (protocol and endpoint: the same server over the gateway is another key). */
export const sessionKey = (c: CliConfig) => `${c.protocol}:${c.endpoint}`;

function loginSessionAuth(
  c: CliConfig,
  env: NodeJS.ProcessEnv,
): Pick<AloftClientOptions, "auth" | "onUnauthenticated"> {
  const store = fileSessionStore(loginSessionPath(sessionKey(c), env));
  if (!store.load()) return {};
  const source = sessionTokenSource(store);
  return { auth: tokenSourceAuth(source), onUnauthenticated: () => source.invalidate() };
}

function clientCredentialsOptions(c: CliConfig, s: NonNullable<CliConfig["clientSecret"]>, env: NodeJS.ProcessEnv) {
  return {
    clientId: s.clientId,
    clientSecret: () => readClientSecret(s, env),
    ...(s.scopes ? { scopes: s.scopes } : {}),
    ...(s.tokenUrl ? { tokenEndpoint: s.tokenUrl } : {}),
    ...(s.audience ? { audience: s.audience } : {}),
    cache: fileTokenCache(tokenCachePath(`${c.protocol}:${c.endpoint}`, s.clientId, env)),
  };
}
