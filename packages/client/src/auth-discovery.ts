// Finds where to get tokens from admin itself (anonymous AuthMetadataService, as flytekit and flytectl do): the token
// endpoint from GetOAuth2Metadata and the audience from GetPublicClientConfig.
import { createClient, type Transport } from "@connectrpc/connect";
import { AuthMetadataService } from "@aloft/idl/flyteidl/service/auth_pb.js";
import type { AuthDiscovery } from "./client-credentials.ts";
import type { DeviceEndpoints } from "./device-login.ts";
import type { LoginEndpoints } from "./pkce-login.ts";

/** Discovery over `transport`, which must not carry the token being fetched (it has none yet). */
export function discoverAuth(transport: Transport): () => Promise<AuthDiscovery> {
  const meta = createClient(AuthMetadataService, transport);
  return async () => {
    const [oauth, pub] = await Promise.all([meta.getOAuth2Metadata({}), meta.getPublicClientConfig({})]);
    if (!oauth.tokenEndpoint)
      throw new Error("admin's OAuth2 metadata names no token endpoint (is auth enabled on the server?)");
    return { tokenEndpoint: oauth.tokenEndpoint, ...(pub.audience ? { audience: pub.audience } : {}) };
  };
}

/**
 * Where and how a person signs in: the authorization and token endpoints from GetOAuth2Metadata, the public client
 * (id, redirect URI, scopes, audience) from GetPublicClientConfig, and the revocation endpoint from the issuer's
 * OpenID discovery document when it has one.
 */
export function discoverLogin(transport: Transport, doFetch: typeof fetch = fetch): () => Promise<LoginEndpoints> {
  const meta = createClient(AuthMetadataService, transport);
  return async () => {
    const [oauth, pub] = await Promise.all([meta.getOAuth2Metadata({}), meta.getPublicClientConfig({})]);
    if (!oauth.authorizationEndpoint || !oauth.grantTypesSupported.includes("authorization_code")) {
      throw new Error(
        "admin's authorization server offers no browser sign-in (no user is configured, or auth is off); use client credentials (authType: ClientSecret)",
      );
    }
    const revocationEndpoint = await revocationOf(oauth.issuer, doFetch);
    return {
      authorizationEndpoint: oauth.authorizationEndpoint,
      tokenEndpoint: oauth.tokenEndpoint,
      clientId: pub.clientId || "flytectl",
      redirectUri: pub.redirectUri || "http://localhost:53593/callback",
      scopes: pub.scopes.length > 0 ? pub.scopes : ["all", "offline"],
      ...(pub.audience ? { audience: pub.audience } : {}),
      ...(revocationEndpoint ? { revocationEndpoint } : {}),
    };
  };
}

/** The revocation endpoint of the issuer's OpenID discovery document, if it has one. */
async function revocationOf(issuer: string, doFetch: typeof fetch): Promise<string | undefined> {
  try {
    const doc = (await (
      await doFetch(`${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`, {
        signal: AbortSignal.timeout(5000),
      })
    ).json()) as { revocation_endpoint?: unknown };
    return typeof doc.revocation_endpoint === "string" ? doc.revocation_endpoint : undefined;
  } catch {
    return undefined; // no discovery document: logout forgets the session without revoking it
  }
}

/**
 * Where a person signs in from a machine without a browser (RFC 8628): the device authorization endpoint that
 * GetOAuth2Metadata advertises (Aloft's own, or the external IdP's document passed through), the token endpoint,
 * and the public client of GetPublicClientConfig.
 */
export function discoverDevice(transport: Transport, doFetch: typeof fetch = fetch): () => Promise<DeviceEndpoints> {
  const meta = createClient(AuthMetadataService, transport);
  return async () => {
    const [oauth, pub] = await Promise.all([meta.getOAuth2Metadata({}), meta.getPublicClientConfig({})]);
    if (!oauth.deviceAuthorizationEndpoint || !oauth.tokenEndpoint) {
      throw new Error(
        "admin's authorization server offers no device sign-in (no device_authorization_endpoint: no user or cookie keys are configured, the identity provider has none, or auth is off)",
      );
    }
    const revocationEndpoint = await revocationOf(oauth.issuer, doFetch);
    return {
      deviceAuthorizationEndpoint: oauth.deviceAuthorizationEndpoint,
      tokenEndpoint: oauth.tokenEndpoint,
      clientId: pub.clientId || "flytectl",
      scopes: pub.scopes.length > 0 ? pub.scopes : ["all", "offline"],
      ...(pub.audience ? { audience: pub.audience } : {}),
      ...(revocationEndpoint ? { revocationEndpoint } : {}),
    };
  };
}
