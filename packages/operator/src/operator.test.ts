// The TrackingServer operator end to end: on the test API server always (with a deployment-status simulator), on a
// real cluster when KUBECONFIG is set (the CRD is installed; each run uses fresh namespaces, deleted after).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { silentLogger } from "@aloft/core";
import {
  isAlreadyExists,
  isConflict,
  isInvalid,
  isNotFound,
  ItemExponentialFailureRateLimiter,
  type KubeApi,
  type KubeObject,
  type ResourceType,
  resources,
} from "@aloft/kube";
import {
  type DeploymentControllerSim,
  eventually,
  type KubeTestEnv,
  kubeTargets,
  startDeploymentController,
} from "@aloft/kube/testing";
import { TrackingServerController } from "./controller.ts";
import { trackingServerCrd } from "./crd.ts";
import { startOperatorEndpoint } from "./endpoint.ts";
import { createOperator } from "./operator.ts";
import { isSubset } from "./sync.ts";
import { FINALIZER, type TrackingServer, type TrackingServerSpec, traefikTypes, trackingServers } from "./types.ts";
import { toYaml } from "./yaml.ts";

const IMAGE = "registry.k8s.io/pause:3.10";
const CERT = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN PRIVATE KEY-----\nMIIEfake\n-----END PRIVATE KEY-----\n";
const traefik = traefikTypes("traefik.io");

const spec = (over: Partial<TrackingServerSpec> = {}): TrackingServerSpec => ({
  size: 1,
  image: IMAGE,
  s3_endpoint_url: "http://s3.example.com/",
  artifact_root: "s3://mlflow/",
  backend_uri: "sqlite:////mlflow/mlflow.db",
  url: "https://mlflow.example.com/platform",
  ...over,
});

const minimalCrd = (plural: string, kind: string) => ({
  metadata: { name: `${plural}.traefik.io` },
  spec: {
    group: "traefik.io",
    scope: "Namespaced",
    names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
    versions: [
      {
        name: "v1alpha1",
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
      },
    ],
  },
});

async function install(api: KubeApi, crd: KubeObject, type: ResourceType, namespace: string): Promise<void> {
  await api.create(resources.customResourceDefinitions, crd).catch((err) => {
    if (!isAlreadyExists(err)) throw err;
  });
  await eventually(
    () =>
      api.list(type, { namespace }).then(
        () => true,
        () => false,
      ),
    `${type.plural} to be served`,
  );
}

/** The API with a hook run once before the next update of an object, and a log of every call. */
function instrumented(api: KubeApi) {
  const calls: string[] = [];
  const conflicts: string[] = [];
  let hook: { plural: string; name: string; run: () => Promise<void> } | undefined;
  const wrapped = new Proxy(api, {
    get: (target, prop: keyof KubeApi) => {
      const fn = target[prop] as (...a: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]) => {
        const type = args[0] as ResourceType;
        const name = typeof args[1] === "string" ? args[1] : (args[1] as KubeObject | undefined)?.metadata?.name;
        const patch = prop === "patch" ? JSON.stringify(args[2]) : "";
        calls.push(`${prop} ${type.plural}/${name}${patch.includes('"finalizers"') ? " finalizers" : ""}`);
        if (prop === "update" && hook && hook.plural === type.plural && hook.name === name) {
          const h = hook;
          hook = undefined;
          await h.run();
        }
        try {
          return await fn.apply(target, args);
        } catch (err) {
          if (isConflict(err)) conflicts.push(`${prop} ${type.plural}/${name}`);
          throw err;
        }
      };
    },
  });
  return {
    api: wrapped,
    calls,
    conflicts,
    beforeNextUpdate: (plural: string, name: string, run: () => Promise<void>) => {
      hook = { plural, name, run };
    },
  };
}

/** Every field of `want` is in `have` (node 20 has no assert.partialDeepStrictEqual). */
function assertSubset(have: unknown, want: unknown): void {
  assert.ok(isSubset(want, have), `${JSON.stringify(have)} does not contain ${JSON.stringify(want)}`);
}

const cond = (ts: TrackingServer | undefined, type: string) => ts?.status?.conditions?.find((c) => c.type === type);

for (const target of kubeTargets()) {
  describe(`TrackingServer operator on ${target.name}`, { skip: target.skip }, () => {
    let env: KubeTestEnv;
    let ns: string;
    let traefikNs: string;
    let sim: DeploymentControllerSim | undefined;
    let nginx: TrackingServerController;
    let traefikController: TrackingServerController;
    let probe: ReturnType<typeof instrumented>;
    const extraNamespaces: string[] = [];

    const newNamespace = async (suffix: string) => {
      const name = `${env.namespace}-${suffix}`;
      await env.api.create(resources.namespaces, { metadata: { name } });
      extraNamespaces.push(name);
      return name;
    };
    const get = async (type: ResourceType, name: string, namespace = ns): Promise<KubeObject | undefined> => {
      try {
        return await env.api.get(type, name, { namespace });
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    };
    const getTs = (name: string, namespace = ns) => get(trackingServers, name, namespace) as Promise<TrackingServer>;
    const create = (name: string, s: TrackingServerSpec, namespace = ns) =>
      env.api.create<TrackingServer>(trackingServers, { metadata: { name, namespace }, spec: s });
    const patchSpec = (name: string, patch: Record<string, unknown>, namespace = ns) =>
      env.api.patch<TrackingServer>(trackingServers, name, { spec: patch }, { namespace, type: "merge" });
    /** The TrackingServer once its status describes its current generation with Ready = `ready`. */
    const settledTs = (name: string, ready: "True" | "False", namespace = ns) =>
      eventually(async () => {
        const ts = await getTs(name, namespace);
        return ts?.status?.observedGeneration === ts?.metadata.generation && cond(ts, "Ready")?.status === ready
          ? ts
          : undefined;
      }, `${name} Ready=${ready} at its generation`);
    const controller = (api: KubeApi, namespace: string, ingressController: "nginx" | "traefik") =>
      new TrackingServerController({
        api,
        namespace,
        config: { ingressController, ingressClassName: ingressController === "nginx" ? "nginx" : undefined },
        workers: 2,
        rateLimiter: new ItemExponentialFailureRateLimiter(5, 2000),
        logger: silentLogger(),
      });
    const eventsOf = async (name: string, namespace = ns) =>
      (
        await env.api.list(resources.events, {
          namespace,
          fieldSelector: { "involvedObject.name": name, "involvedObject.kind": "TrackingServer" },
        })
      ).items;

    before(async () => {
      env = await target.start();
      ns = env.namespace;
      traefikNs = await newNamespace("traefik");
      await install(env.api, trackingServerCrd, trackingServers, ns);
      await install(env.api, minimalCrd("ingressroutes", "IngressRoute"), traefik.ingressRoutes, ns);
      await install(env.api, minimalCrd("middlewares", "Middleware"), traefik.middlewares, ns);
      if (env.server) sim = await startDeploymentController(env.api);
      probe = instrumented(env.api);
      nginx = controller(probe.api, ns, "nginx");
      traefikController = controller(env.api, traefikNs, "traefik");
      await Promise.all([nginx.start(), traefikController.start()]);
    });
    after(async () => {
      await Promise.all([nginx?.stop(), traefikController?.stop(), sim?.stop()]);
      if (!env?.server) for (const n of extraNamespaces) await env?.api.delete(resources.namespaces, n).catch(() => {});
      await env?.close();
    });

    test("deploy/operator/crd.yaml is the CRD the operator defines", () => {
      const file = join(import.meta.dirname, "../../../deploy/operator/crd.yaml");
      assert.equal(readFileSync(file, "utf8"), toYaml(trackingServerCrd));
    });

    test("the seed's required fields only: Deployment, Service and Ingress; no PVC, no TLS Secret; Ready", async () => {
      const created = await create("minimal", spec());
      const ts = await settledTs("minimal", "True");
      assert.ok(ts.metadata.finalizers?.includes(FINALIZER));
      assert.equal(ts.status?.url, "https://mlflow.example.com/platform");
      assert.equal(cond(ts, "Progressing")?.status, "False");
      assert.equal(cond(ts, "Degraded")?.status, "False");
      assert.equal(ts.status?.observedGeneration, created.metadata.generation);
      const owner = { kind: "TrackingServer", name: "minimal", uid: created.metadata.uid, controller: true };
      const dep = (await get(resources.deployments, "minimal"))!;
      assertSubset(dep.metadata.ownerReferences, [owner]);
      assert.equal(dep.spec.replicas, 1);
      assert.deepEqual(dep.spec.selector.matchLabels, { app: "trackingserver", ts_name: "minimal" });
      const c = dep.spec.template.spec.containers[0];
      assert.equal(c.name, "mlflow");
      assert.equal(c.image, IMAGE);
      assert.equal(c.imagePullPolicy, "IfNotPresent");
      assertSubset(c.ports, [{ containerPort: 5000, name: "server" }]);
      assert.deepEqual(
        c.env.map((e: { name: string; value?: string }) => [e.name, e.value]),
        [
          ["MLFLOW_TRACKING_URI", "https://mlflow.example.com/platform"],
          ["MLFLOW_S3_ENDPOINT_URL", "http://s3.example.com/"],
          ["ARTIFACT_ROOT", "s3://mlflow/"],
          ["BACKEND_URI", "sqlite:////mlflow/mlflow.db"],
        ],
      );
      assert.ok(!dep.spec.template.spec.volumes?.length);
      const svc = (await get(resources.services, "minimal"))!;
      assertSubset(svc.metadata.ownerReferences, [owner]);
      assertSubset(svc.spec.ports, [{ name: "server", port: 5000, targetPort: 5000 }]);
      assert.deepEqual(svc.spec.selector, { app: "trackingserver", ts_name: "minimal" });
      const ing = (await get(resources.ingresses, "minimal"))!;
      assertSubset(ing.metadata.ownerReferences, [owner]);
      assert.equal(ing.metadata.annotations?.["nginx.ingress.kubernetes.io/rewrite-target"], "/$2");
      assert.equal(ing.spec.ingressClassName, "nginx");
      assert.ok(!ing.spec.tls?.length);
      assert.equal(ing.spec.rules[0].host, "mlflow.example.com");
      assert.deepEqual(
        ing.spec.rules[0].http.paths.map((p: { path: string }) => p.path),
        ["/platform(/|$)(.*)", "/()((?:static-files|ajax-api)(?:/.*)?)"],
      );
      assert.equal(await get(resources.persistentVolumeClaims, "minimal"), undefined);
      assert.equal(await get(resources.secrets, "minimal"), undefined);
      const events = await eventually(async () => {
        const e = await eventsOf("minimal");
        return e.some((x) => x.reason === "Synced") ? e : undefined;
      }, "a Synced event");
      assert.ok(events.every((e) => e.type === "Normal"));
    });

    test("every optional field: PVC, TLS Secret, volume mount, Ingress TLS, S3 credentials from a Secret", async () => {
      await create(
        "full",
        spec({
          volumeSize: "1Gi",
          storageClassName: "standard",
          cert: CERT,
          key: KEY,
          credentialsSecretRef: { name: "s3-creds" },
        }),
      );
      const ing = await eventually(async () => (await get(resources.ingresses, "full"))?.spec.tls, "Ingress TLS");
      assert.deepEqual(ing, [{ hosts: ["mlflow.example.com"], secretName: "full" }]);
      const pvc = (await get(resources.persistentVolumeClaims, "full"))!;
      assert.equal(pvc.spec.storageClassName, "standard");
      assert.equal(pvc.spec.resources.requests.storage, "1Gi");
      const secret = (await get(resources.secrets, "full"))!;
      assert.equal(secret.type, "kubernetes.io/tls");
      assert.equal(Buffer.from(secret.data["tls.crt"], "base64").toString(), CERT);
      assert.equal(Buffer.from(secret.data["tls.key"], "base64").toString(), KEY);
      const pod = (await get(resources.deployments, "full"))!.spec.template.spec;
      assert.equal((await get(resources.deployments, "full"))!.spec.strategy.type, "Recreate");
      assert.deepEqual(pod.volumes, [
        { name: "trackingserver-sqllite-data", persistentVolumeClaim: { claimName: "full" } },
      ]);
      assert.deepEqual(pod.containers[0].volumeMounts, [{ name: "trackingserver-sqllite-data", mountPath: "/mlflow" }]);
      const creds = pod.containers[0].env.filter((e: { name: string }) => e.name.startsWith("AWS_"));
      assert.deepEqual(creds, [
        { name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: "s3-creds", key: "AWS_ACCESS_KEY_ID" } } },
        {
          name: "AWS_SECRET_ACCESS_KEY",
          valueFrom: { secretKeyRef: { name: "s3-creds", key: "AWS_SECRET_ACCESS_KEY" } },
        },
      ]);
    });

    test("toggling the volume, TLS and the URL prefix off and on: PVC and Secret deleted and recreated, mounts, TLS and rewrites follow", async () => {
      await create("toggle", spec({ volumeSize: "2Gi", storageClassName: "standard", cert: CERT, key: KEY }));
      await eventually(() => get(resources.persistentVolumeClaims, "toggle"), "the PVC");
      await eventually(async () => (await get(resources.ingresses, "toggle"))?.spec.tls, "Ingress TLS");
      const off = await patchSpec("toggle", {
        volumeSize: null,
        cert: null,
        key: null,
        url: "https://mlflow.example.com",
      });
      await eventually(async () => !(await get(resources.persistentVolumeClaims, "toggle")), "the PVC deleted");
      await eventually(async () => !(await get(resources.secrets, "toggle")), "the TLS Secret deleted");
      await eventually(async () => {
        const dep = await get(resources.deployments, "toggle");
        return !dep?.spec.template.spec.volumes?.length && !dep?.spec.template.spec.containers[0].volumeMounts?.length;
      }, "the volume unmounted");
      const plain = await eventually(async () => {
        const ing = await get(resources.ingresses, "toggle");
        return !ing?.spec.tls?.length && ing?.spec.rules[0].http.paths.length === 1 ? ing : undefined;
      }, "no TLS, no prefix");
      assert.deepEqual(plain.spec.rules[0].http.paths[0].path, "/");
      assert.equal(plain.metadata.annotations?.["nginx.ingress.kubernetes.io/rewrite-target"], undefined);
      const ts = await eventually(async () => {
        const t = await getTs("toggle");
        return t?.status?.observedGeneration === off.metadata.generation ? t : undefined;
      }, "observedGeneration of the edit");
      assert.equal(ts.status?.observedGeneration, off.metadata.generation);
      await patchSpec("toggle", { volumeSize: "3Gi", cert: CERT, key: KEY, url: "https://mlflow.example.com/p" });
      const pvc = await eventually(() => get(resources.persistentVolumeClaims, "toggle"), "the PVC again");
      assert.equal(pvc.spec.resources.requests.storage, "3Gi");
      await eventually(() => get(resources.secrets, "toggle"), "the TLS Secret again");
      const again = await eventually(async () => {
        const ing = await get(resources.ingresses, "toggle");
        return ing?.spec.tls?.length && ing.spec.rules[0].http.paths.length === 2 ? ing : undefined;
      }, "Ingress TLS and prefix again");
      assert.equal(again.metadata.annotations?.["nginx.ingress.kubernetes.io/rewrite-target"], "/$2");
    });

    test("a Secret of the TrackingServer's name made by the team: Ingress TLS, and never deleted", async () => {
      await env.api.create(resources.secrets, {
        metadata: { name: "teamtls", namespace: ns },
        type: "kubernetes.io/tls",
        data: { "tls.crt": Buffer.from(CERT).toString("base64"), "tls.key": Buffer.from(KEY).toString("base64") },
      });
      await create("teamtls", spec());
      await settledTs("teamtls", "True");
      assert.deepEqual((await get(resources.ingresses, "teamtls"))!.spec.tls, [
        { hosts: ["mlflow.example.com"], secretName: "teamtls" },
      ]);
      await env.api.delete(trackingServers, "teamtls", { namespace: ns });
      await eventually(async () => !(await getTs("teamtls")), "the TrackingServer gone");
      await eventually(async () => !(await get(resources.deployments, "teamtls")), "its Deployment gone");
      assert.ok(await get(resources.secrets, "teamtls"), "the team's Secret (not owned) is kept");
    });

    test("a namesake the TrackingServer does not own is left alone, and the TrackingServer says so", async () => {
      const labels = { app: "other" };
      await env.api.create(resources.deployments, {
        metadata: { name: "squatter", namespace: ns },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: "web", image: IMAGE }] } },
        },
      });
      await create("squatter", spec());
      const ts = await eventually(async () => {
        const t = await getTs("squatter");
        return cond(t, "Degraded")?.status === "True" ? t : undefined;
      }, "Degraded");
      assert.equal(cond(ts, "Degraded")?.reason, "ReconcileFailed");
      assert.match(
        cond(ts, "Degraded")!.message,
        /Deployment .*\/squatter exists and is not owned by TrackingServer squatter/,
      );
      const dep = (await get(resources.deployments, "squatter"))!;
      assert.equal(dep.spec.template.spec.containers[0].name, "web");
      assert.equal(dep.metadata.ownerReferences, undefined);
      await env.api.delete(trackingServers, "squatter", { namespace: ns });
      await eventually(async () => !(await getTs("squatter")), "the TrackingServer gone");
      assert.ok(await get(resources.deployments, "squatter"), "the namesake is not deleted");
    });

    test("drift: an edited Deployment and Ingress are restored, a deleted Service comes back", async () => {
      await create("drift", spec());
      await settledTs("drift", "True");
      await env.api.patch(
        resources.deployments,
        "drift",
        { spec: { replicas: 5, template: { spec: { containers: [{ name: "mlflow", image: "evil:latest" }] } } } },
        { namespace: ns, type: "strategic" },
      );
      await env.api.patch(
        resources.ingresses,
        "drift",
        { spec: { rules: [{ host: "evil.example.com" }] } },
        {
          namespace: ns,
          type: "merge",
        },
      );
      const svc = (await get(resources.services, "drift"))!;
      await env.api.delete(resources.services, "drift", { namespace: ns });
      await eventually(async () => {
        const dep = await get(resources.deployments, "drift");
        return dep?.spec.replicas === 1 && dep.spec.template.spec.containers[0].image === IMAGE;
      }, "the Deployment restored");
      await eventually(
        async () => (await get(resources.ingresses, "drift"))?.spec.rules[0].host === "mlflow.example.com",
        "the Ingress restored",
      );
      const back = await eventually(() => get(resources.services, "drift"), "the Service recreated");
      assert.notEqual(back.metadata.uid, svc.metadata.uid);
    });

    test("a stale-resourceVersion conflict mid-reconcile is retried and loses nobody's change", async () => {
      await create("conflict", spec());
      await settledTs("conflict", "True");
      // Just before the operator's update of the Deployment, someone else writes it: the operator's copy is stale.
      probe.beforeNextUpdate("deployments", "conflict", async () => {
        await env.api.patch(
          resources.deployments,
          "conflict",
          { metadata: { annotations: { "team.example.com/owner": "alice" } } },
          { namespace: ns, type: "merge" },
        );
      });
      const before = probe.conflicts.length;
      const errors = nginx.stats.errors;
      await patchSpec("conflict", { image: `${IMAGE}-next` });
      const dep = await eventually(async () => {
        const d = await get(resources.deployments, "conflict");
        return d?.spec.template.spec.containers[0].image === `${IMAGE}-next` ? d : undefined;
      }, "the new image");
      assert.ok(probe.conflicts.slice(before).includes("update deployments/conflict"), "a 409 happened");
      assert.equal(dep.metadata.annotations?.["team.example.com/owner"], "alice");
      assert.equal(nginx.stats.errors, errors, "retried within the reconcile, not failed");
    });

    test("an invalid spec: Degraded with a clear message, nothing created, not requeued; fixed, it becomes Ready", async () => {
      const bad = await create("badurl", spec({ url: "https:///platform" }));
      const ts = await settledTs("badurl", "False");
      assert.equal(cond(ts, "Degraded")?.status, "True");
      assert.equal(cond(ts, "Degraded")?.reason, "InvalidSpec");
      assert.match(cond(ts, "Degraded")!.message, /spec\.url: "https:\/\/\/platform" has no host/);
      assert.equal(ts.status?.observedGeneration, bad.metadata.generation);
      assert.equal(await get(resources.deployments, "badurl"), undefined);
      const last = nginx.stats.last.get(`${ns}/badurl`);
      assert.equal(last?.outcome, "invalid");
      assert.equal(last?.requeued, false);
      assert.equal(nginx.queue.numRequeues(`${ns}/badurl`), 0, "no backoff retries: no hot loop");
      const events = await eventually(async () => {
        const e = await eventsOf("badurl");
        return e.some((x) => x.reason === "InvalidSpec") ? e : undefined;
      }, "an InvalidSpec event");
      assert.equal(events.find((e) => e.reason === "InvalidSpec")?.type, "Warning");
      await patchSpec("badurl", { url: "https://mlflow.example.com" });
      const fixed = await settledTs("badurl", "True");
      assert.equal(cond(fixed, "Degraded")?.status, "False");

      // A bad quantity: the CRD's pattern refuses it on a real API server; the operator reports it where the
      // schema is not enforced (the test server, or an older CRD).
      try {
        await create("badsize", spec({ volumeSize: "ten gigs", storageClassName: "standard" }));
      } catch (err) {
        assert.ok(!env.server && isInvalid(err), `only a real API server refuses it: ${err}`);
        return;
      }
      const sized = await settledTs("badsize", "False");
      assert.match(cond(sized, "Degraded")!.message, /spec\.volumeSize: "ten gigs" is not a quantity/);
      assert.equal(await get(resources.persistentVolumeClaims, "badsize"), undefined);
    });

    test("the deprecated plain S3 keys still work, with a deprecation Event", async () => {
      await create("legacy", spec({ aws_access_key: "mlflow", aws_secret_key: "mlflow1234" }));
      await settledTs("legacy", "True");
      const env0 = (await get(resources.deployments, "legacy"))!.spec.template.spec.containers[0].env;
      assert.deepEqual(
        env0.map((e: { name: string; value?: string }) => [e.name, e.value]),
        [
          ["MLFLOW_TRACKING_URI", "https://mlflow.example.com/platform"],
          ["MLFLOW_S3_ENDPOINT_URL", "http://s3.example.com/"],
          ["AWS_ACCESS_KEY_ID", "mlflow"],
          ["AWS_SECRET_ACCESS_KEY", "mlflow1234"],
          ["ARTIFACT_ROOT", "s3://mlflow/"],
          ["BACKEND_URI", "sqlite:////mlflow/mlflow.db"],
        ],
      );
      await eventually(
        async () =>
          (await eventsOf("legacy")).some((e) => e.reason === "DeprecatedCredentials" && e.type === "Warning"),
        "a DeprecatedCredentials event",
      );
    });

    test("deletion: the owned children go, then the finalizer is removed, last", async () => {
      await create("doomed", spec({ volumeSize: "1Gi", storageClassName: "standard", cert: CERT, key: KEY }));
      await eventually(() => get(resources.persistentVolumeClaims, "doomed"), "the PVC");
      await eventually(() => get(resources.ingresses, "doomed"), "the Ingress");
      const from = probe.calls.length;
      await env.api.delete(trackingServers, "doomed", { namespace: ns });
      await eventually(async () => !(await getTs("doomed")), "the TrackingServer gone");
      for (const type of [
        resources.deployments,
        resources.services,
        resources.ingresses,
        resources.secrets,
        resources.persistentVolumeClaims,
      ]) {
        assert.equal(await get(type, "doomed"), undefined, `${type.kind} deleted`);
      }
      const calls = probe.calls.slice(from);
      const removed = calls.indexOf("patch trackingservers/doomed finalizers");
      assert.ok(removed >= 0, "the finalizer was removed by the operator");
      for (const child of ["deployments", "services", "ingresses", "secrets", "persistentvolumeclaims"]) {
        const at = calls.indexOf(`delete ${child}/doomed`);
        assert.ok(at >= 0 && at < removed, `${child} deleted before the finalizer went`);
      }
    });

    test("Traefik: the seed's IngressRoute and StripPrefix Middleware, TLS entry points, no prefix", async () => {
      await create("routed", spec({ url: "https://mlflow.platform.example.com/platform" }), traefikNs);
      await settledTs("routed", "True", traefikNs);
      const route = (await get(traefik.ingressRoutes, "routed", traefikNs))!;
      assert.deepEqual(route.spec, {
        entryPoints: ["web"],
        routes: [
          {
            match: "Host(`mlflow.platform.example.com`) && PathPrefix(`/platform`)",
            kind: "Rule",
            services: [{ name: "routed", port: "server" }],
            middlewares: [{ name: "routed" }],
          },
          {
            match: "Host(`mlflow.platform.example.com`) && (PathPrefix(`/static-files`) || PathPrefix(`/ajax-api`))",
            kind: "Rule",
            services: [{ name: "routed", port: "server" }],
          },
        ],
      });
      const mw = (await get(traefik.middlewares, "routed", traefikNs))!;
      assert.deepEqual(mw.spec, { stripPrefix: { prefixes: ["/platform"] } });
      assert.equal(await get(resources.ingresses, "routed", traefikNs), undefined);

      await patchSpec("routed", { url: "https://mlflow.platform.example.com", cert: CERT, key: KEY }, traefikNs);
      await eventually(async () => {
        const r = await get(traefik.ingressRoutes, "routed", traefikNs);
        return r?.spec.tls?.secretName === "routed" && r.spec.routes.length === 1;
      }, "the TLS route without prefix");
      const tlsRoute = (await get(traefik.ingressRoutes, "routed", traefikNs))!;
      assert.deepEqual(tlsRoute.spec.entryPoints, ["websecure", "web"]);
      assert.deepEqual(tlsRoute.spec.routes, [
        { match: "Host(`mlflow.platform.example.com`)", kind: "Rule", services: [{ name: "routed", port: "server" }] },
      ]);
      await eventually(async () => !(await get(traefik.middlewares, "routed", traefikNs)), "the Middleware deleted");
    });

    test("two operator replicas: one leader reconciles; when it stops, the other takes over", async () => {
      const leaderNs = await newNamespace("leader");
      const replica = (identity: string) =>
        createOperator({
          api: env.api,
          identity,
          leaseNamespace: leaderNs,
          namespace: leaderNs,
          config: { ingressController: "nginx" },
          leaseDurationMs: 3000,
          renewDeadlineMs: 2000,
          retryPeriodMs: 50,
          logger: silentLogger(),
        });
      const a = replica("replica-a");
      const b = replica("replica-b");
      a.start();
      b.start();
      try {
        const leader = await eventually(() => (a.isLeader() ? a : b.isLeader() ? b : undefined), "a leader");
        const follower = leader === a ? b : a;
        assert.equal(follower.isLeader(), false);
        const endpoints = await Promise.all([leader, follower].map((o) => startOperatorEndpoint(o, "127.0.0.1", 0)));
        try {
          const [lm, fm] = await Promise.all(
            endpoints.map((e) => fetch(`http://127.0.0.1:${e.port}/metrics`).then((r) => r.text())),
          );
          assert.match(lm!, /^aloft_operator_leader 1$/m);
          assert.match(fm!, /^aloft_operator_leader 0$/m);
          const ready = await fetch(`http://127.0.0.1:${endpoints[1]!.port}/readyz`);
          assert.equal(ready.status, 200, "a follower is ready (waiting is healthy)");
          assert.equal((await fetch(`http://127.0.0.1:${endpoints[0]!.port}/healthz`)).status, 200);
        } finally {
          await Promise.all(endpoints.map((e) => e.close()));
        }
        await create("elected", spec(), leaderNs);
        await settledTs("elected", "True", leaderNs);
        assert.ok(leader.controller.stats.reconciles > 0);
        assert.equal(follower.controller.stats.reconciles, 0, "the follower reconciles nothing");
        await leader.stop();
        await eventually(() => follower.isLeader(), "the follower takes over");
        await create("elected-2", spec(), leaderNs);
        await settledTs("elected-2", "True", leaderNs);
        assert.ok(follower.controller.stats.reconciles > 0);
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    });
  });
}
