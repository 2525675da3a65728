// Authentication and authorization with auth on (self-hosted authorization server): every refusal with its code on
// gRPC (an independent grpc-js client) and HTTP, the token endpoint's RFC 6749 behaviour, roles per project and
// domain, and principals recorded on executions.
import assert from "node:assert/strict";
import { generateKeyPairSync, createPrivateKey } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Code as ConnectCode, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { SignJWT } from "jose";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { AuthMetadataService } from "@aloft/idl/flyteidl/service/auth_pb.js";
import { IdentityService } from "@aloft/idl/flyteidl/service/identity_pb.js";
import { EventService } from "@aloft/idl/aloft/admin/v1/event_service_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { initSecrets } from "@aloft/admin";
import { underDataDir } from "@aloft/core";
import { loadKeySet } from "@aloft/admin/testing";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";
import { adminClient, grpc, unary, type GrpcJsClient } from "@aloft/testkit";
import { id, intLiteral, promise, registerWorkflow, shellTask, taskNode } from "@aloft/testkit";

const P = "flytesnacks";
const D = "development";
const secrets = mkdtempSync(join(tmpdir(), "aloft-auth-secrets-"));
let platform: TestPlatform;
let grpcJs: GrpcJsClient;
const secretOf = (client: string) => readFileSync(join(secrets, `${client}.secret`), "utf8").trim();

before(async () => {
  await initSecrets({ dir: secrets, clients: ["viewer-bot", "contrib-bot", "admin-bot", "nobody-bot"] });
  platform = await startTestPlatform({
    engine: true,
    overrides: {
      auth: {
        enabled: true,
        secretsDir: secrets,
        roles: {
          bindings: [
            { subject: "viewer-bot", role: "viewer", project: P },
            { subject: "contrib-bot", role: "contributor", project: P, domain: D },
            { subject: "admin-bot", role: "admin" },
          ],
        },
      },
    },
  });
  grpcJs = adminClient(platform.grpcAddress);
});
after(async () => {
  grpcJs?.close();
  await platform?.close();
  rmSync(secrets, { recursive: true, force: true });
});

async function tokenFor(
  client: string,
  how: "basic" | "post" = "basic",
  extra: Record<string, string> = {},
): Promise<Response> {
  const form = new URLSearchParams({ grant_type: "client_credentials", ...extra });
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (how === "basic")
    headers.authorization = `Basic ${Buffer.from(`${client}:${secretOf(client)}`).toString("base64")}`;
  else {
    form.set("client_id", client);
    form.set("client_secret", secretOf(client));
  }
  return fetch(`${platform.httpUrl}/oauth2/token`, { method: "POST", headers, body: form });
}

const tokens = new Map<string, string>();
async function token(client: string): Promise<string> {
  if (!tokens.has(client)) {
    const res = await tokenFor(client);
    assert.equal(res.status, 200, await res.clone().text());
    tokens.set(client, ((await res.json()) as { access_token: string }).access_token);
  }
  return tokens.get(client)!;
}

function bearer(t: string, key = "authorization"): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set(key, `Bearer ${t}`);
  return md;
}

function connectAdmin(t?: string) {
  const auth: Interceptor = (next) => (req) => {
    if (t) req.header.set("flyte-authorization", `Bearer ${t}`);
    return next(req);
  };
  return createClient(
    AdminService,
    createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}`, interceptors: [auth] }),
  );
}

async function grpcCode(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  const err = await p.then(
    () => assert.fail("expected the call to fail"),
    (e: grpc.ServiceError) => e,
  );
  return { code: err.code, details: err.details };
}

async function connectCode(p: Promise<unknown>): Promise<ConnectError> {
  return p.then(
    () => assert.fail("expected the call to fail"),
    (e: unknown) => ConnectError.from(e),
  );
}

/** A token signed with the server's own key, with claims as given (for the expired / audience / issuer cases). */
async function mint(
  claims: { iss?: string; aud?: string; exp?: number; sub?: string; scope?: string },
  key?: import("node:crypto").KeyObject,
  kid?: string,
) {
  const keys = await loadKeySet({ signing: readFileSync(join(secrets, "token-signing-key.pem"), "utf8"), others: [] });
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: claims.scope ?? "all", client_id: "admin-bot" })
    .setProtectedHeader({ alg: "RS256", kid: kid ?? keys.signing.kid })
    .setIssuer(claims.iss ?? platform.httpUrl)
    .setAudience(claims.aud ?? platform.httpUrl)
    .setSubject(claims.sub ?? "admin-bot")
    .setIssuedAt(now - 10)
    .setExpirationTime(claims.exp ?? now + 600)
    .sign(key ?? keys.signing.privateKey);
}

describe("open endpoints", () => {
  test("health, AuthMetadataService (gRPC and HTTP) and the JWKS need no token", async () => {
    assert.equal((await fetch(`${platform.httpUrl}/healthcheck`)).status, 200);
    const meta = await fetch(`${platform.httpUrl}/.well-known/oauth-authorization-server`, {
      headers: { accept: "application/json" },
    });
    assert.equal(meta.status, 200);
    const doc = (await meta.json()) as Record<string, unknown>;
    assert.equal(doc.token_endpoint, `${platform.httpUrl}/oauth2/token`);
    assert.equal(doc.issuer, platform.httpUrl);
    assert.deepEqual(doc.grant_types_supported, ["client_credentials"]);
    const cfg = (await (
      await fetch(`${platform.httpUrl}/config/v1/flyte_client`, { headers: { accept: "application/json" } })
    ).json()) as Record<string, unknown>;
    assert.equal(cfg.client_id, "flytectl");
    assert.equal(cfg.authorization_metadata_key, "flyte-authorization");
    assert.deepEqual(cfg.scopes, ["all", "offline"]);
    const authMeta = createClient(
      AuthMetadataService,
      createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` }),
    );
    assert.equal((await authMeta.getOAuth2Metadata({})).jwksUri, `${platform.httpUrl}/oauth2/jwks`);
    assert.equal((await authMeta.getPublicClientConfig({})).audience, platform.httpUrl);
    const jwks = (await (await fetch(`${platform.httpUrl}/oauth2/jwks`)).json()) as {
      keys: Array<Record<string, unknown>>;
    };
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0]!.kty, "RSA");
    assert.equal(jwks.keys[0]!.d, undefined, "no private part in the JWKS");
  });
});

describe("refusals", () => {
  test("no token: UNAUTHENTICATED on gRPC (fast path and connect), 401 on the gateway, metrics and logs", async () => {
    assert.equal((await grpcCode(unary(grpcJs, "ListProjects", {}))).code, grpc.status.UNAUTHENTICATED);
    assert.equal((await connectCode(connectAdmin().listProjects({}))).code, ConnectCode.Unauthenticated);
    const res = await fetch(`${platform.httpUrl}/api/v1/projects`);
    assert.equal(res.status, 401);
    assert.match(((await res.json()) as { message: string }).message, /missing access token/);
    assert.equal(
      (
        await fetch(`${platform.httpUrl}/api/v1/projects`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: '{"project":{"id":"p1","name":"p1"}}',
        })
      ).status,
      401,
    );
    assert.equal((await fetch(`${platform.httpUrl}/metrics`)).status, 401);
    assert.equal((await fetch(`${platform.httpUrl}/logs/anything`)).status, 401);
    assert.equal((await fetch(`${platform.httpUrl}/me`)).status, 401);
  });

  test("a malformed authorization header is UNAUTHENTICATED", async () => {
    const md = new grpc.Metadata();
    md.set("authorization", "Basic Zm9vOmJhcg==");
    assert.equal((await grpcCode(unary(grpcJs, "ListProjects", {}, md))).code, grpc.status.UNAUTHENTICATED);
  });

  test("a forged token (signed by another key) is refused", async () => {
    const other = createPrivateKey(
      generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }),
    );
    const forged = await mint({}, other);
    const r = await grpcCode(unary(grpcJs, "ListProjects", {}, bearer(forged)));
    assert.equal(r.code, grpc.status.UNAUTHENTICATED);
    assert.match(r.details, /signature verification failed/);
    const unknownKid = await mint({}, other, "some-other-key");
    assert.match(
      (await grpcCode(unary(grpcJs, "ListProjects", {}, bearer(unknownKid)))).details,
      /not signed by a trusted key/,
    );
    // Header and payload of a real token with the signature of another: still refused.
    const real = (await token("admin-bot")).split(".");
    const spliced = `${real[0]}.${real[1]}.${forged.split(".")[2]}`;
    assert.equal(
      (await grpcCode(unary(grpcJs, "ListProjects", {}, bearer(spliced)))).code,
      grpc.status.UNAUTHENTICATED,
    );
  });

  test("an expired token is refused", async () => {
    const expired = await mint({ exp: Math.floor(Date.now() / 1000) - 5 });
    const r = await grpcCode(unary(grpcJs, "ListProjects", {}, bearer(expired)));
    assert.equal(r.code, grpc.status.UNAUTHENTICATED);
    assert.match(r.details, /expired/);
  });

  test("a token for another audience is refused", async () => {
    const r = await grpcCode(
      unary(grpcJs, "ListProjects", {}, bearer(await mint({ aud: "https://elsewhere.example" }))),
    );
    assert.equal(r.code, grpc.status.UNAUTHENTICATED);
    assert.match(r.details, /aud/);
  });

  test("a token from another issuer is refused", async () => {
    const r = await grpcCode(unary(grpcJs, "ListProjects", {}, bearer(await mint({ iss: "https://evil.example" }))));
    assert.equal(r.code, grpc.status.UNAUTHENTICATED);
    assert.match(r.details, /iss/);
  });

  test("a token without the `all` scope is refused", async () => {
    const r = await grpcCode(unary(grpcJs, "ListProjects", {}, bearer(await mint({ scope: "offline" }))));
    assert.equal(r.code, grpc.status.UNAUTHENTICATED);
    assert.match(r.details, /scope/);
  });

  test("the same refusals on the HTTP gateway are 401", async () => {
    for (const t of [
      await mint({ exp: Math.floor(Date.now() / 1000) - 5 }),
      await mint({ aud: "x" }),
      await mint({ iss: "y" }),
    ]) {
      const res = await fetch(`${platform.httpUrl}/api/v1/projects`, { headers: { authorization: `Bearer ${t}` } });
      assert.equal(res.status, 401);
    }
  });
});

describe("token endpoint", () => {
  test("client_secret_basic and client_secret_post both issue short-lived RS256 bearer tokens", async () => {
    for (const how of ["basic", "post"] as const) {
      const res = await tokenFor("viewer-bot", how, { scope: "all" });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("cache-control"), "no-store");
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(body.token_type, "Bearer");
      assert.equal(body.expires_in, 1800);
      assert.equal(body.scope, "all");
      const header = JSON.parse(
        Buffer.from(String(body.access_token).split(".")[0]!, "base64url").toString(),
      ) as Record<string, unknown>;
      assert.equal(header.alg, "RS256");
    }
  });

  test("wrong secret, unknown client, public client: 401 invalid_client", async () => {
    const form = (id: string, secret: string) =>
      fetch(`${platform.httpUrl}/oauth2/token`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`,
        },
        body: "grant_type=client_credentials",
      });
    for (const [id, secret] of [
      ["admin-bot", "wrong"],
      ["ghost", "whatever"],
      ["flytectl", ""],
      ["admin-bot", secretOf("viewer-bot")],
    ] as const) {
      const res = await form(id, secret);
      assert.equal(res.status, 401, `${id}`);
      assert.equal(((await res.json()) as { error: string }).error, "invalid_client");
      assert.match(res.headers.get("www-authenticate") ?? "", /^Basic/);
    }
  });

  test("unsupported grant, unknown scope, foreign audience, wrong method and content type", async () => {
    const err = async (res: Response) => [res.status, ((await res.json()) as { error: string }).error];
    assert.deepEqual(await err(await tokenFor("admin-bot", "basic", { grant_type: "password" })), [
      400,
      "unsupported_grant_type",
    ]);
    assert.deepEqual(await err(await tokenFor("admin-bot", "basic", { scope: "all superuser" })), [
      400,
      "invalid_scope",
    ]);
    assert.deepEqual(await err(await tokenFor("admin-bot", "basic", { audience: "https://elsewhere.example" })), [
      400,
      "invalid_target",
    ]);
    assert.deepEqual(await err(await fetch(`${platform.httpUrl}/oauth2/token`)), [405, "invalid_request"]);
    const json = await fetch(`${platform.httpUrl}/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.deepEqual(await err(json), [400, "invalid_request"]);
  });
});

describe("roles", () => {
  let lp: ReturnType<typeof id>;
  before(async () => {
    const admin = connectAdmin(await token("admin-bot"));
    const sleepy = shellTask(
      id(ResourceType.TASK, P, D, "sleepy", "v1"),
      ["a"],
      ["o"],
      "sleep 30; cp /var/inputs/a /var/outputs/o",
    );
    lp = await registerWorkflow(admin, {
      project: P,
      domain: D,
      name: "sleepy",
      version: "v1",
      tasks: [sleepy],
      inputs: ["x"],
      nodes: [taskNode("n0", sleepy.id!, { a: promise("start-node", "x") })],
      outputs: { y: promise("n0", "o") },
    });
  });

  test("a viewer can read but not register, launch, terminate or create projects", async () => {
    const viewer = connectAdmin(await token("viewer-bot"));
    assert.ok((await viewer.listProjects({})).projects.some((p) => p.id === P));
    assert.ok((await viewer.getLaunchPlan({ id: lp })).id);
    const denied = async (p: Promise<unknown>, permission: string) => {
      const e = await connectCode(p);
      assert.equal(e.code, ConnectCode.PermissionDenied, e.message);
      assert.match(e.rawMessage, new RegExp(`lacks permission "${permission}"`));
    };
    const t = shellTask(id(ResourceType.TASK, P, D, "v-task", "v1"), [], [], "true");
    await denied(viewer.createTask({ id: t.id, spec: { template: t } }), "contribute");
    await denied(
      viewer.createExecution({
        project: P,
        domain: D,
        spec: { launchPlan: lp },
        inputs: { literals: { x: intLiteral(1) } },
      }),
      "contribute",
    );
    await denied(
      viewer.terminateExecution({ id: { project: P, domain: D, name: "whatever" }, cause: "no" }),
      "contribute",
    );
    await denied(viewer.registerProject({ project: { id: "viewers-own", name: "v" } }), "admin");
    await denied(viewer.updateProjectAttributes({ attributes: { project: P } }), "admin");
    // The engine's RPCs are for the engine only.
    await denied(
      viewer.createWorkflowEvent({
        event: { executionId: { project: P, domain: D, name: "x" }, producerId: "propeller" },
      }),
      "engine",
    );
    // Bound to flytesnacks only: another project is not visible.
    await denied(viewer.listExecutions({ id: { project: "otherproject", domain: D }, limit: 5 }), "view");
    // The same over HTTP: 403.
    const res = await fetch(`${platform.httpUrl}/api/v1/projects`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await token("viewer-bot")}` },
      body: '{"project":{"id":"httpviewer","name":"x"}}',
    });
    assert.equal(res.status, 403);
  });

  test("batched events (aloft.admin.v1.EventService/CreateEvents) are for the engine's identity alone", async () => {
    const events = (t?: string) =>
      createClient(
        EventService,
        createGrpcTransport({
          baseUrl: `http://${platform.grpcAddress}`,
          interceptors: [
            (next) => (req) => {
              if (t) req.header.set("authorization", `Bearer ${t}`);
              return next(req);
            },
          ],
        }),
      );
    const forged = {
      events: [
        {
          event: {
            case: "workflow" as const,
            value: {
              event: {
                executionId: { project: P, domain: D, name: "nosuchexecution" },
                producerId: "propeller",
                phase: WorkflowExecution_Phase.SUCCEEDED,
              },
            },
          },
        },
      ],
    };
    assert.equal((await connectCode(events().createEvents(forged))).code, ConnectCode.Unauthenticated);
    for (const client of ["admin-bot", "contrib-bot", "viewer-bot", "nobody-bot"]) {
      const e = await connectCode(events(await token(client)).createEvents(forged));
      assert.equal(e.code, ConnectCode.PermissionDenied, client);
      assert.match(e.rawMessage, /lacks permission "engine"/, client);
    }
    // The engine's identity gets through to the manager, which answers for the event itself.
    const { results } = await events(await token("flytepropeller")).createEvents(forged);
    assert.equal(results.length, 1);
    assert.equal(results[0]!.code, ConnectCode.NotFound);
  });

  test("a caller with no role anywhere is refused everything but who-am-I", async () => {
    const nobody = connectAdmin(await token("nobody-bot"));
    assert.equal((await connectCode(nobody.listProjects({}))).code, ConnectCode.PermissionDenied);
    const identity = createClient(
      IdentityService,
      createGrpcTransport({
        baseUrl: `http://${platform.grpcAddress}`,
        interceptors: [
          (next) => async (req) => {
            req.header.set("authorization", `Bearer ${await token("nobody-bot")}`);
            return next(req);
          },
        ],
      }),
    );
    assert.equal((await identity.userInfo({})).subject, "nobody-bot");
  });

  test("a contributor launches in its project and domain only; an admin launches and terminates, and both are recorded", async () => {
    const contrib = connectAdmin(await token("contrib-bot"));
    const { id: mine } = await contrib.createExecution({
      project: P,
      domain: D,
      spec: { launchPlan: lp },
      inputs: { literals: { x: intLiteral(1) } },
    });
    assert.equal((await contrib.getExecution({ id: mine })).spec?.metadata?.principal, "contrib-bot");
    const e = await connectCode(
      contrib.createExecution({
        project: P,
        domain: "production",
        spec: { launchPlan: lp },
        inputs: { literals: { x: intLiteral(1) } },
      }),
    );
    assert.equal(e.code, ConnectCode.PermissionDenied);

    const admin = connectAdmin(await token("admin-bot"));
    const { id: exec } = await admin.createExecution({
      project: P,
      domain: D,
      spec: { launchPlan: lp },
      inputs: { literals: { x: intLiteral(2) } },
    });
    assert.equal((await admin.getExecution({ id: exec })).spec?.metadata?.principal, "admin-bot");
    await admin.terminateExecution({ id: exec, cause: "enough" });
    await contrib.terminateExecution({ id: mine, cause: "mine" });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const x = await admin.getExecution({ id: exec });
      if (x.closure?.phase === WorkflowExecution_Phase.ABORTED) {
        assert.equal(x.closure.outputResult.case, "abortMetadata");
        assert.equal(
          x.closure.outputResult.case === "abortMetadata" && x.closure.outputResult.value.principal,
          "admin-bot",
        );
        break;
      }
      assert.ok(Date.now() < deadline, `still ${WorkflowExecution_Phase[x.closure?.phase ?? 0]}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(await admin.registerProject({ project: { id: "adminsown", name: "a" } }));
    // Not even an admin may report execution events: only the engine's identity.
    const forged = await connectCode(
      admin.createWorkflowEvent({
        event: { executionId: exec, producerId: "propeller", phase: WorkflowExecution_Phase.SUCCEEDED },
      }),
    );
    assert.equal(forged.code, ConnectCode.PermissionDenied);
    assert.match(forged.rawMessage, /lacks permission "engine"/);
    // Both ways of sending the token work on the grpc-js client too.
    await unary(grpcJs, "GetProject", { id: "adminsown" }, bearer(await token("admin-bot"), "flyte-authorization"));
    await unary(grpcJs, "GetProject", { id: "adminsown" }, bearer(await token("admin-bot")));
  });

  test("a task log needs view on its execution's project and domain; an old link, view on every project", async () => {
    const logDir = underDataDir(platform.config, platform.config.engine.logDir);
    for (const [dir, name] of [
      [join(logDir, P, D), "mine"],
      [join(logDir, "otherproj", D), "theirs"],
      [logDir, "oldlink"],
    ] as const) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${name}.log`), `log of ${name}\n`);
    }
    const get = async (client: string, path: string, range?: string) =>
      fetch(`${platform.httpUrl}/logs/${path}`, {
        headers: { authorization: `Bearer ${await token(client)}`, ...(range ? { range } : {}) },
      });
    const mine = await get("viewer-bot", `${P}/${D}/mine`);
    assert.equal(mine.status, 200);
    assert.equal(await mine.text(), "log of mine\n");
    // A range read is checked the same way: the tail of one's own log, never a byte of another project's.
    const tail = await get("viewer-bot", `${P}/${D}/mine`, "bytes=7-");
    assert.equal(tail.status, 206);
    assert.equal(await tail.text(), "mine\n");
    assert.equal((await get("viewer-bot", `otherproj/${D}/theirs`, "bytes=0-")).status, 403);
    assert.equal(
      (await fetch(`${platform.httpUrl}/logs/${P}/${D}/mine`, { headers: { range: "bytes=0-" } })).status,
      401,
    );
    const theirs = await get("viewer-bot", `otherproj/${D}/theirs`);
    assert.equal(theirs.status, 403);
    assert.match(
      ((await theirs.json()) as { message: string }).message,
      /lacks permission "view" on project otherproj/,
    );
    // Naming one's own project in the path does not reach another project's file.
    assert.equal((await get("viewer-bot", `${P}/${D}/theirs`)).status, 404);
    // A path that is no log path names no project: it needs view everywhere, and then finds nothing.
    const traversal = `${P}/${D}/..%2F..%2Fotherproj%2F${D}%2Ftheirs`;
    assert.equal((await get("viewer-bot", traversal)).status, 403);
    assert.equal((await get("admin-bot", traversal)).status, 404);
    // The contributor's role is on (P, D) only.
    assert.equal((await get("contrib-bot", `${P}/staging/mine`)).status, 403);
    assert.equal((await get("contrib-bot", `${P}/${D}/mine`)).status, 200);
    // A link from before per-project logs says nothing of its project: only a viewer of every project reads it.
    assert.equal((await get("viewer-bot", "oldlink")).status, 403);
    const old = await get("admin-bot", "oldlink");
    assert.equal(old.status, 200);
    assert.equal(await old.text(), "log of oldlink\n");
    assert.equal((await get("admin-bot", `otherproj/${D}/theirs`)).status, 200);
  });

  test("/me over HTTP names the caller in X-User-Subject", async () => {
    const res = await fetch(`${platform.httpUrl}/me`, {
      headers: { authorization: `Bearer ${await token("admin-bot")}`, accept: "application/json" },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-user-subject"), "admin-bot");
    assert.equal(((await res.json()) as { subject: string }).subject, "admin-bot");
  });
});
