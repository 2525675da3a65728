// Finds where to get tokens from admin itself (anonymous AuthMetadataService, as flytekit and flytectl do): the token
// endpoint from GetOAuth2Metadata and the audience from GetPublicClientConfig.
import { createClient, type Transport } from "@connectrpc/connect";
import { AuthMetadataService } from "@aloft/idl/flyteidl/service/auth_pb.js";
import type { AuthDiscovery } from "./client-credentials.ts";

/** Discovery over `transport`, which must not carry the token being fetched (it has none yet). */
export function discoverAuth(transport: Transport): () => Promise<AuthDiscovery> {
  const meta = createClient(AuthMetadataService, transport);
  return async () => {
    const [oauth, pub] = await Promise.all([meta.getOAuth2Metadata({}), meta.getPublicClientConfig({})]);
    if (!oauth.tokenEndpoint) throw new Error("admin's OAuth2 metadata names no token endpoint (is auth enabled on the server?)");
    return { tokenEndpoint: oauth.tokenEndpoint, ...(pub.audience ? { audience: pub.audience } : {}) };
  };
}
