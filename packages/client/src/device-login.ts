// Signing a person in from a machine without a browser (RFC 8628, the device authorization grant): ask the
// authorization server's device endpoint for a user code, show where to enter it, and poll the token endpoint until
// the person has approved (or denied) it on another device. Works against Aloft's own server and against an external
// IdP alike: both are found through AuthMetadataService (device_authorization_endpoint).
import type { LoginSession } from "./pkce-login.ts";

export interface DeviceEndpoints {
  deviceAuthorizationEndpoint: string;
  tokenEndpoint: string;
  revocationEndpoint?: string;
  clientId: string;
  scopes: string[];
  audience?: string;
}

export interface DevicePrompt {
  verificationUri: string;
  /** The URI with the code in it, when the server gives one. */
  verificationUriComplete?: string;
  userCode: string;
  expiresInSeconds: number;
}

export interface DeviceLoginOptions {
  endpoints: DeviceEndpoints;
  /** Shown to the person: where to go and which code to enter. */
  prompt: (p: DevicePrompt) => void;
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

async function post(url: string, form: Record<string, string>, doFetch: typeof fetch) {
  const res = await doFetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams(form),
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  return { ok: res.ok, status: res.status, body };
}

const why = (r: { status: number; body: Record<string, unknown> }) =>
  typeof r.body.error === "string"
    ? `${r.body.error}${typeof r.body.error_description === "string" ? `: ${r.body.error_description}` : ""}`
    : `HTTP ${r.status}`;

/** Runs the whole device sign-in and returns the session (not yet stored). */
export async function deviceLogin(o: DeviceLoginOptions): Promise<LoginSession> {
  const e = o.endpoints;
  const doFetch = o.fetch ?? fetch;
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = await post(
    e.deviceAuthorizationEndpoint,
    {
      client_id: e.clientId,
      scope: e.scopes.join(" "),
      ...(e.audience ? { audience: e.audience } : {}),
    },
    doFetch,
  );
  const b = started.body;
  if (
    !started.ok ||
    typeof b.device_code !== "string" ||
    typeof b.user_code !== "string" ||
    typeof b.verification_uri !== "string"
  )
    throw new Error(`the device authorization request was refused (${why(started)})`);
  const expiresIn = typeof b.expires_in === "number" && b.expires_in > 0 ? b.expires_in : 600;
  const deadline = now() + expiresIn * 1000;
  let interval = (typeof b.interval === "number" && b.interval > 0 ? b.interval : 5) * 1000;
  o.prompt({
    verificationUri: b.verification_uri,
    ...(typeof b.verification_uri_complete === "string"
      ? { verificationUriComplete: b.verification_uri_complete }
      : {}),
    userCode: b.user_code,
    expiresInSeconds: expiresIn,
  });
  for (;;) {
    await sleep(interval);
    if (now() >= deadline) throw new Error("the code expired before it was approved: run `aloft login --device` again");
    const asked = now();
    const r = await post(
      e.tokenEndpoint,
      {
        grant_type: DEVICE_GRANT,
        device_code: b.device_code,
        client_id: e.clientId,
        ...(e.audience ? { audience: e.audience } : {}),
      },
      doFetch,
    );
    if (r.ok && typeof r.body.access_token === "string") {
      const lifetime =
        (typeof r.body.expires_in === "number" && r.body.expires_in > 0 ? r.body.expires_in : 300) * 1000;
      return {
        accessToken: r.body.access_token,
        expiresAt: asked + lifetime,
        ...(typeof r.body.refresh_token === "string" ? { refreshToken: r.body.refresh_token } : {}),
        tokenEndpoint: e.tokenEndpoint,
        clientId: e.clientId,
        ...(e.revocationEndpoint ? { revocationEndpoint: e.revocationEndpoint } : {}),
      };
    }
    const error = r.body.error;
    if (error === "authorization_pending") continue;
    if (error === "slow_down") {
      interval += 5000; // RFC 8628 §3.5: for this and every later request
      continue;
    }
    if (error === "access_denied") throw new Error("sign-in denied on the verification page");
    if (error === "expired_token")
      throw new Error("the code expired before it was approved: run `aloft login --device` again");
    throw new Error(`device sign-in failed (${why(r)})`);
  }
}
