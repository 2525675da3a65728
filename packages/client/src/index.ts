// @aloft/client: the package's front door. Everything not exported here is private to the package.
export { discoverAuth, discoverDevice, discoverLogin } from "./auth-discovery.ts";
export { deviceLogin } from "./device-login.ts";
export type { DeviceEndpoints, DevicePrompt } from "./device-login.ts";
export { bearerToken } from "./auth.ts";
export { clientCredentials, tokenSourceAuth } from "./client-credentials.ts";
export type { ClientCredentialsOptions, StoredToken, TokenCache } from "./client-credentials.ts";
export { createAloftClient } from "./client.ts";
export type { AloftClient, AloftClientOptions } from "./client.ts";
export { endpointUrl } from "./endpoint.ts";
export { createHttpGatewayTransport } from "./http-transport.ts";
export type { AdminClient, ListAllOptions, ListItem, ListRequest, PaginatedMethod } from "./pagination.ts";
export { browserLogin, logoutSession, sessionTokenSource } from "./pkce-login.ts";
export type { LoginSession, SessionStore } from "./pkce-login.ts";
export { isTerminalExecutionPhase, watchExecution } from "./watch.ts";
export type { ExecutionId, WatchOptions } from "./watch.ts";
export { listAll } from "./pagination.ts";
export { defaultRetryPolicy } from "./retry.ts";
export type { RetryPolicy } from "./retry.ts";
