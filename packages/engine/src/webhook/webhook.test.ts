// The secret-injection webhook: init-certs into a Secret (idempotent), the admission endpoint over TLS answering an
// AdmissionReview with a JSONPatch that injects the secrets a pod built by the pod plugin requests, registration of
// the MutatingWebhookConfiguration.
import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:https";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { silentLogger } from "@aloft/core";
import { Secret_MountType } from "@aloft/idl/flyteidl/core/security_pb.js";
import { resources } from "@aloft/kube";
import { containerTask, drive, isTerminal, sandbox } from "../plugins/local-process/testing.ts";
import { buildPod } from "../plugins/k8s-pod/build-pod.ts";
import { DEFAULT_POD_PLUGIN_CONFIG } from "../plugins/k8s-pod/config.ts";
import { podCluster } from "../testing/pod-cluster.ts";
import { type AdmissionReview, review } from "./admission.ts";
import { initCerts } from "./certs.ts";
import { MUTATE_PATH, registerWebhook, startWebhookServer } from "./server.ts";

type Json = Record<string, any>;

function post(port: number, ca: string, body: unknown): Promise<{ status: number; json: AdmissionReview }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        servername: "localhost",
        port,
        path: MUTATE_PATH,
        method: "POST",
        ca,
        headers: { "Content-Type": "application/json" },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            json: JSON.parse(Buffer.concat(chunks).toString("utf8")) as AdmissionReview,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

/** Applies the add/replace operations of a JSONPatch (all the webhook emits). */
function applyPatch(obj: Json, ops: Json[]): Json {
  const out = structuredClone(obj);
  for (const op of ops) {
    const path = (op["path"] as string).split("/").slice(1);
    let at = out;
    for (const seg of path.slice(0, -1)) at = at[seg];
    assert.ok(op["op"] === "add" || op["op"] === "replace");
    at[path[path.length - 1]!] = op["value"];
  }
  return out;
}

test("webhook: init-certs, the TLS admission endpoint, registration", async (t) => {
  const cluster = await podCluster();
  const sb = await sandbox();
  t.after(async () => {
    await cluster.close();
    await sb.cleanup();
  });
  await cluster.api.create(resources.namespaces, { metadata: { name: "flyte" } });
  const opts = {
    namespace: "flyte",
    serviceName: "flyte-pod-webhook",
    secretName: "flyte-pod-webhook",
    extraDnsNames: ["localhost"],
    extraIpAddresses: ["127.0.0.1"],
  };

  const first = await initCerts(cluster.api, opts);
  assert.equal(first.outcome, "created");
  const again = await initCerts(cluster.api, opts);
  assert.equal(again.outcome, "unchanged");
  assert.equal(again.certs.caPem, first.certs.caPem, "a second init-certs keeps the CA");
  // A Secret missing a key is completed with fresh certificates.
  const secret = await cluster.api.get(resources.secrets, "flyte-pod-webhook", { namespace: "flyte" });
  delete secret["data"]["tls.key"];
  await cluster.api.update(resources.secrets, secret);
  const repaired = await initCerts(cluster.api, opts);
  assert.equal(repaired.outcome, "updated");
  assert.notEqual(repaired.certs.caPem, first.certs.caPem);

  const server = await startWebhookServer({
    certs: repaired.certs,
    port: 0,
    host: "127.0.0.1",
    logger: silentLogger(),
  });
  t.after(() => server.close());

  const ctx = await sb.context({
    nodeId: "sec",
    template: containerTask(["true"], {
      securityContext: {
        secrets: [
          { group: "user-info", key: "token", mountRequirement: Secret_MountType.ENV_VAR, envVar: "MY_TOKEN" },
          { group: "db", key: "Password", mountRequirement: Secret_MountType.FILE },
        ],
      },
    }),
  });
  const pod = await buildPod(ctx, DEFAULT_POD_PLUGIN_CONFIG);
  const reviewRequest = {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: { uid: "u-1", kind: { group: "", version: "v1", kind: "Pod" }, operation: "CREATE", object: pod },
  };
  const res = await post(server.port, repaired.certs.caPem, reviewRequest);
  assert.equal(res.status, 200);
  const answer = res.json.response!;
  assert.equal(answer["uid"], "u-1");
  assert.equal(answer["allowed"], true);
  assert.equal(answer["patchType"], "JSONPatch");
  const mutated = applyPatch(pod, JSON.parse(Buffer.from(answer["patch"], "base64").toString("utf8")) as Json[]);
  const c = mutated["spec"].containers[0];
  const env = new Map((c.env as Json[]).map((e) => [e["name"], e]));
  assert.deepEqual(env.get("_FSEC_USER-INFO_TOKEN")?.["valueFrom"], {
    secretKeyRef: { name: "user-info", key: "token", optional: true },
  });
  assert.equal(env.get("MY_TOKEN")?.["valueFrom"].secretKeyRef.name, "user-info");
  assert.equal(env.get("FLYTE_SECRETS_ENV_PREFIX")?.["value"], "_FSEC_");
  assert.equal(env.get("FLYTE_SECRETS_DEFAULT_DIR")?.["value"], "/etc/flyte/secrets");
  const volume = (mutated["spec"].volumes as Json[]).find((v) => v["secret"]?.secretName === "db")!;
  assert.deepEqual(volume["secret"].items, [{ key: "Password", path: "password" }]);
  assert.deepEqual(
    (c.volumeMounts as Json[]).find((m) => m["name"] === volume["name"]),
    { name: volume["name"], readOnly: true, mountPath: "/etc/flyte/secrets/db" },
  );

  // A pod that requests nothing is let through untouched; a malformed request annotation is refused.
  const plain = review({
    ...reviewRequest,
    kind: "AdmissionReview",
    request: { ...reviewRequest.request, object: { metadata: {}, spec: { containers: [] } } },
  });
  assert.deepEqual(plain.response, { uid: "u-1", allowed: true });
  const broken = await post(server.port, repaired.certs.caPem, {
    ...reviewRequest,
    request: {
      ...reviewRequest.request,
      object: { ...pod, metadata: { ...pod.metadata, annotations: { "flyte.secrets/s0": "!!" } } },
    },
  });
  assert.equal(broken.json.response?.["allowed"], false);
  assert.equal(broken.json.response?.["status"].code, 400);

  // Registration: created, then brought up to date (a new CA bundle) rather than duplicated.
  const reg = {
    name: "flyte-pod-webhook",
    caPem: repaired.certs.caPem,
    service: { name: "flyte-pod-webhook", namespace: "flyte", port: 443 },
  };
  assert.equal(await registerWebhook(cluster.api, reg), "created");
  assert.equal(await registerWebhook(cluster.api, { ...reg, caPem: first.certs.caPem }), "updated");
  const mwc = await cluster.api.get(resources.mutatingWebhookConfigurations, "flyte-pod-webhook");
  const hook = mwc["webhooks"][0];
  assert.equal(Buffer.from(hook.clientConfig.caBundle, "base64").toString("utf8"), first.certs.caPem);
  assert.deepEqual(hook.clientConfig.service, {
    name: "flyte-pod-webhook",
    namespace: "flyte",
    port: 443,
    path: MUTATE_PATH,
  });
  assert.deepEqual(hook.objectSelector, { matchLabels: { "inject-flyte-secrets": "true" } });

  // Through the API server: registered by URL, the webhook mutates the pod the plugin creates, and the kubelet runs it
  // with the secret's value in the environment and the file secret's location announced.
  await registerWebhook(cluster.api, {
    name: "flyte-pod-webhook",
    caPem: repaired.certs.caPem,
    url: `https://127.0.0.1:${server.port}`,
  });
  await cluster.api.create(resources.secrets, {
    metadata: { name: "user-info", namespace: "proj-dev" },
    data: { token: Buffer.from("s3cret").toString("base64") },
  });
  const dump = join(sb.root, "secret-env.txt");
  const live = await sb.context({
    nodeId: "live",
    template: containerTask(
      ["node", "-e", "require('fs').writeFileSync(process.argv[1], JSON.stringify(process.env))", dump],
      {
        securityContext: {
          secrets: [
            { group: "user-info", key: "token", mountRequirement: Secret_MountType.ENV_VAR },
            { group: "db", key: "password", mountRequirement: Secret_MountType.FILE },
          ],
        },
      },
    ),
  });
  const done = await drive(cluster.plugin(), live, isTerminal);
  assert.equal(done.status.phase, "Success", done.status.reason);
  // (node, not sh: a shell drops variables whose names are not identifiers, like _FSEC_USER-INFO_TOKEN)
  const taskEnv = JSON.parse(await readFile(dump, "utf8")) as Record<string, string>;
  assert.ok(taskEnv["_FSEC_USER-INFO_TOKEN"] === "s3cret", "the secret's value is in the task's environment");
  assert.ok(taskEnv["FLYTE_SECRETS_DEFAULT_DIR"] === "/etc/flyte/secrets");
  const created = await cluster.api.get(resources.pods, live.generatedName, { namespace: "proj-dev" });
  assert.ok(
    (created["spec"].volumes as Json[]).some((v) => v["secret"]?.secretName === "db"),
    "the file secret is mounted",
  );
});
