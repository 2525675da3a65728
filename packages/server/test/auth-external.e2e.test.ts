// Auth with an external identity provider: a stand-in IdP on loopback publishes its openid-configuration, RFC 8414
// metadata and JWKS; Aloft verifies its tokens (keys discovered through the issuer), takes roles from the `roles`
// claim, and hands out the IdP's metadata through AuthMetadataService, whose device endpoint `aloft login --device`
// (deviceLogin) uses.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { AuthMetadataService } from "@aloft/idl/flyteidl/service/auth_pb.js";
import { deviceLogin, discoverDevice } from "@aloft/client";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";

let idp: Server;
let issuer: string;
let key: CryptoKey;
let platform: TestPlatform;
let jwksFetches = 0;
/** The stand-in IdP's device flow: requests seen, and how many polls stay pending. */
const deviceRequests: string[] = [];
let pendingPolls = 1;

before(async () => {
  const pair = await generateKeyPair("ES256");
  key = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: "idp-1", alg: "ES256", use: "sig" };
  idp = createServer((req, res) => {
    const json = (body: unknown) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.url === "/.well-known/openid-configuration") return json({ issuer, jwks_uri: `${issuer}/keys` });
    if (req.url === "/.well-known/oauth-authorization-server") {
      return json({
        issuer,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/keys`,
        grant_types_supported: ["client_credentials", "urn:ietf:params:oauth:grant-type:device_code"],
        device_authorization_endpoint: `${issuer}/device`,
      });
    }
    if (req.method === "POST" && (req.url === "/device" || req.url === "/token")) {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", async () => {
        const form = new URLSearchParams(body);
        deviceRequests.push(`${req.url} ${form.get("grant_type") ?? form.get("scope")}`);
        if (req.url === "/device")
          return json({
            device_code: "idp-device-code",
            user_code: "WDJB-MJHT",
            verification_uri: `${issuer}/activate`,
            expires_in: 300,
            interval: 1,
          });
        if (form.get("device_code") !== "idp-device-code") {
          res.writeHead(400, { "content-type": "application/json" });
          return res.end(JSON.stringify({ error: "invalid_grant" }));
        }
        if (pendingPolls-- > 0) {
          res.writeHead(400, { "content-type": "application/json" });
          return res.end(JSON.stringify({ error: "authorization_pending" }));
        }
        json({
          access_token: await sign({ roles: ["flytesnacks:viewer"] }, { sub: "dora@example.com" }),
          token_type: "Bearer",
          expires_in: 300,
        });
      });
      return;
    }
    if (req.url === "/keys") {
      jwksFetches++;
      return json({ keys: [jwk] });
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => idp.listen(0, "127.0.0.1", r));
  issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  platform = await startTestPlatform({
    overrides: {
      auth: {
        enabled: true,
        authServerType: "external",
        external: { issuer, audience: "aloft" },
        engineSubjects: ["svc-engine"],
      },
    },
  });
});
after(async () => {
  await platform?.close();
  await new Promise((r) => idp?.close(r));
});

const sign = (
  claims: Record<string, unknown>,
  o: { iss?: string; aud?: string; sub?: string } = {},
  k: CryptoKey = key,
) =>
  new SignJWT({ scope: "all openid", ...claims })
    .setProtectedHeader({ alg: "ES256", kid: "idp-1" })
    .setIssuer(o.iss ?? issuer)
    .setAudience(o.aud ?? "aloft")
    .setSubject(o.sub ?? "alice@example.com")
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(k);

function admin(token: string) {
  const auth: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
  return createClient(
    AdminService,
    createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}`, interceptors: [auth] }),
  );
}

const code = (p: Promise<unknown>) =>
  p.then(
    () => Code[0],
    (e: unknown) => Code[ConnectError.from(e).code],
  );

test("the IdP's tokens are verified with its discovered JWKS; roles come from the claim", async () => {
  const alice = admin(await sign({ roles: ["flytesnacks:viewer"] }));
  const list = await alice.listExecutions({ id: { project: "flytesnacks", domain: "development" }, limit: 5 });
  assert.equal(list.executions.length, 0);
  assert.equal(jwksFetches, 1);
  assert.equal(await code(alice.registerProject({ project: { id: "alices", name: "a" } })), "PermissionDenied");
  const bob = admin(await sign({ roles: ["admin"] }, { sub: "bob" }));
  await bob.registerProject({ project: { id: "bobs", name: "b" } });
  // The engine's subject may report events (the request is then validated: here, for a missing execution).
  assert.notEqual(
    await code(
      admin(await sign({}, { sub: "svc-engine" })).createWorkflowEvent({
        event: {
          executionId: { project: "flytesnacks", domain: "development", name: "nope" },
          producerId: "propeller",
        },
      }),
    ),
    "PermissionDenied",
  );
  assert.equal(
    await code(
      bob.createWorkflowEvent({
        event: {
          executionId: { project: "flytesnacks", domain: "development", name: "nope" },
          producerId: "propeller",
        },
      }),
    ),
    "PermissionDenied",
  );
});

test("tokens of another issuer, audience or key are refused", async () => {
  assert.equal(
    await code(admin(await sign({ roles: ["admin"] }, { iss: "https://other.example" })).listProjects({})),
    "Unauthenticated",
  );
  assert.equal(
    await code(admin(await sign({ roles: ["admin"] }, { aud: "someone-else" })).listProjects({})),
    "Unauthenticated",
  );
  const stranger = (await generateKeyPair("ES256")).privateKey;
  assert.equal(await code(admin(await sign({ roles: ["admin"] }, {}, stranger)).listProjects({})), "Unauthenticated");
});

test("AuthMetadataService hands out the IdP's metadata (device flow included) and the audience", async () => {
  const meta = createClient(AuthMetadataService, createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` }));
  const m = await meta.getOAuth2Metadata({});
  assert.equal(m.tokenEndpoint, `${issuer}/token`);
  assert.equal(m.deviceAuthorizationEndpoint, `${issuer}/device`);
  assert.equal((await meta.getPublicClientConfig({})).audience, "aloft");
  assert.equal(
    (await fetch(`${platform.httpUrl}/oauth2/token`, { method: "POST" })).status,
    404,
    "no self-hosted token endpoint with an external IdP",
  );
});

test("the device flow of aloft login --device runs at the IdP's advertised endpoint; its token works here", async () => {
  const transport = createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` });
  const endpoints = await discoverDevice(transport)();
  assert.equal(endpoints.deviceAuthorizationEndpoint, `${issuer}/device`);
  const prompts: string[] = [];
  const session = await deviceLogin({
    endpoints,
    prompt: (p) => prompts.push(`${p.verificationUri} ${p.userCode}`),
    sleep: async () => undefined,
  });
  assert.deepEqual(prompts, [`${issuer}/activate WDJB-MJHT`]);
  assert.deepEqual(deviceRequests, [
    "/device all offline",
    "/token urn:ietf:params:oauth:grant-type:device_code",
    "/token urn:ietf:params:oauth:grant-type:device_code",
  ]);
  const list = await admin(session.accessToken).listExecutions({
    id: { project: "flytesnacks", domain: "development" },
    limit: 1,
  });
  assert.equal(list.executions.length, 0);
});
