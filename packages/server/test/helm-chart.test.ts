// The Helm chart deploy/helm/aloft, rendered with testkit's renderer (helm template semantics) under several value
// sets: every object validates against the Kubernetes schemas (kubernetes-models) and has no field its kind does not
// have (unknown-fields.ts), RBAC is least privilege, pods are locked down, every container runs a real `aloft` verb
// with flags that exist, the config file loads. The static manifests of deploy/ validate too. With `helm` on PATH the
// same values go through `helm template` and the objects must be equal; without it that test reports itself skipped.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { loadConfig } from "@aloft/core";
import { postgresAvailability, renderChart, scratchPostgresUrl, type RenderedChart } from "@aloft/testkit";
import { unknownFields } from "./unknown-fields.ts";

type Obj = Record<string, any>;
const root = join(import.meta.dirname, "..", "..", "..");
const chartDir = join(root, "deploy", "helm", "aloft");
const NS = "aloft-system";

const VALUE_SETS: Record<string, Obj> = {
  defaults: {},
  everything: {
    imagePullSecrets: [{ name: "regcred" }],
    postgresql: { host: "db.example.com", sslmode: "verify-full", existingSecret: "pg", passwordKey: "pw" },
    storage: { endpoint: "http://minio:9000", forcePathStyle: true, existingSecret: "s3" },
    auth: { publicUrl: "https://aloft.example.com" },
    config: { engine: { workers: 16 }, seedProjects: ["ml"] },
    engine: {
      replicas: 3,
      podPluginConfig: { defaultCpus: "500m", interruptibleNodeSelector: { spot: "true" } },
      nodeSelector: { pool: "system" },
      tolerations: [{ key: "system", operator: "Exists", effect: "NoSchedule" }],
      affinity: {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 100,
              podAffinityTerm: {
                topologyKey: "kubernetes.io/hostname",
                labelSelector: { matchLabels: { "app.kubernetes.io/component": "engine" } },
              },
            },
          ],
        },
      },
    },
    webhook: { podDisruptionBudget: { enabled: true } },
    clusterResources: {
      enabled: true,
      templates: {
        "quota.yaml": "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q, namespace: '{{ namespace }}'}\n",
      },
      templateData: [{ key: "cpu", value: "8" }],
    },
    operator: { enabled: true, ingress: "traefik", watchNamespace: "ml" },
    ingress: {
      enabled: true,
      className: "nginx",
      host: "aloft.example.com",
      tlsSecretName: "aloft-tls",
      grpc: { enabled: true, host: "grpc.aloft.example.com", tlsSecretName: "aloft-grpc-tls" },
    },
  },
  minimal: {
    fullnameOverride: "flyte",
    auth: { enabled: false },
    scheduler: { enabled: false },
    webhook: { enabled: false },
    migration: { enabled: false },
    console: { enabled: false },
    operator: { enabled: true, ingressClassName: "public" },
    ingress: { enabled: true },
  },
};
// The values example of docs/deploy-kubernetes.md, so that the guide stays true.
const guide = /`values-prod\.yaml`:\n\n```yaml\n([\s\S]*?)```/.exec(
  readFileSync(join(root, "docs", "deploy-kubernetes.md"), "utf8"),
);
VALUE_SETS.guide = parseYaml(guide![1]!) as Obj;
const SETS: Record<string, string[]> = {
  defaults: [],
  everything: ["admin.replicas=3", "image.tag=dev"],
  minimal: [],
  guide: [],
};

const rendered = new Map<string, RenderedChart>();
function render(name: string): RenderedChart {
  let r = rendered.get(name);
  if (!r) {
    r = renderChart(chartDir, { releaseName: "rel", namespace: NS, values: VALUE_SETS[name]!, set: SETS[name]! });
    rendered.set(name, r);
  }
  return r;
}

/** The kubernetes-models class of an object, by apiVersion and kind (core group: `kubernetes-models/v1/<Kind>`). */
async function validate(obj: Obj, where: string): Promise<void> {
  const path = `kubernetes-models/${obj.apiVersion}/${obj.kind}`;
  let mod: Obj;
  try {
    mod = await import(path);
  } catch (e) {
    throw new Error(`${where}: no schema for ${obj.apiVersion} ${obj.kind} (${(e as Error).message})`);
  }
  const Model = mod[obj.kind];
  assert.ok(Model, `${where}: ${path} has no ${obj.kind}`);
  if (obj.kind === "Deployment") assert.equal(Model, Deployment, "the generic lookup finds the models' own class");
  try {
    new Model(obj).validate();
  } catch (e) {
    throw new Error(`${where}: ${obj.kind} ${obj.metadata?.name} is invalid: ${(e as Error).message}`);
  }
  assert.deepEqual(
    unknownFields(obj as { apiVersion: string; kind: string }),
    [],
    `${where}: fields Kubernetes does not have`,
  );
}

const byKind = (r: RenderedChart, kind: string) => r.objects.filter((o: Obj) => o.kind === kind) as Obj[];
const named = (r: RenderedChart, kind: string, name: string) => byKind(r, kind).find((o) => o.metadata.name === name);
const podSpecs = (r: RenderedChart) =>
  [...byKind(r, "Deployment"), ...byKind(r, "Job")].map((o) => ({ name: o.metadata.name, spec: o.spec.template.spec }));

/** Every rule that applies to a ServiceAccount, through its bindings. */
function rulesOf(r: RenderedChart, sa: string): Obj[] {
  const bindings = [...byKind(r, "RoleBinding"), ...byKind(r, "ClusterRoleBinding")].filter((b) =>
    b.subjects.some((s: Obj) => s.kind === "ServiceAccount" && s.name === sa && s.namespace === NS),
  );
  return bindings.flatMap((b) => {
    const role = named(r, b.roleRef.kind, b.roleRef.name);
    assert.ok(role, `${b.kind} ${b.metadata.name} refers to the missing ${b.roleRef.kind} ${b.roleRef.name}`);
    return role.rules.map((rule: Obj) => ({ ...rule, scope: b.roleRef.kind }));
  });
}

const helpCache = new Map<string, string>();
function help(verb: string[]): string {
  const key = verb.join(" ");
  if (!helpCache.has(key)) {
    const run = spawnSync(process.execPath, [join(root, "packages/server/bin/aloft.mjs"), ...verb, "--help"], {
      encoding: "utf8",
    });
    assert.equal(run.status, 0, `aloft ${key} --help: ${run.stderr}`);
    helpCache.set(key, run.stdout);
  }
  return helpCache.get(key)!;
}

describe("Helm chart deploy/helm/aloft", () => {
  for (const name of Object.keys(VALUE_SETS)) {
    describe(`values: ${name}`, () => {
      test("renders; every object validates against the Kubernetes schemas", async () => {
        const r = render(name);
        assert.ok(r.objects.length > 5);
        for (const d of [...r.documents, ...r.crds]) await validate(d.object, d.source);
        const keys = r.objects.map((o: Obj) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`);
        assert.equal(new Set(keys).size, keys.length, "no two objects share kind and name");
      });

      test("RBAC is least privilege per component", () => {
        const r = render(name);
        const v = VALUE_SETS[name]!;
        const fullname = v.fullnameOverride ?? "rel-aloft";
        for (const role of [...byKind(r, "Role"), ...byKind(r, "ClusterRole")])
          for (const rule of role.rules)
            for (const field of ["verbs", "resources", "apiGroups"])
              assert.ok(!rule[field].includes("*"), `${role.metadata.name}: no wildcard ${field}`);
        for (const role of byKind(r, "Role")) assert.equal(role.metadata.namespace, NS);
        const admin = rulesOf(r, `${fullname}-admin`);
        assert.deepEqual(admin, [
          {
            apiGroups: ["flyte.lyft.com"],
            resources: ["flyteworkflows"],
            verbs: ["create", "patch", "delete"],
            scope: "ClusterRole",
          },
        ]);
        const engine = rulesOf(r, `${fullname}-engine`);
        assert.ok(
          engine.every((x) => !x.resources.includes("secrets")),
          "the engine reads no secrets",
        );
        assert.deepEqual(engine.find((x) => x.resources.includes("pods"))?.verbs, [
          "get",
          "list",
          "watch",
          "create",
          "delete",
        ]);
        assert.deepEqual(
          engine.find((x) => x.resources.includes("events"))?.verbs,
          ["list"],
          "the pod plugin lists a waiting pod's events (reportPodEvents), and writes none",
        );
        const leases = engine.filter((x) => x.resources.includes("leases"));
        assert.ok(
          leases.every((x) => x.scope === "Role"),
          "leases only in the release's namespace",
        );
        assert.ok(leases.every((x) => x.resourceNames?.[0] === `${fullname}-engine` || x.verbs.join() === "create"));
        assert.deepEqual(rulesOf(r, `${fullname}-scheduler`), [], "the scheduler has no Role");
        if (v.scheduler?.enabled !== false)
          assert.equal(named(r, "ServiceAccount", `${fullname}-scheduler`)!.automountServiceAccountToken, false);
        for (const sa of byKind(r, "ServiceAccount")) {
          const name = sa.metadata.name as string;
          const secretRules = rulesOf(r, name).filter((x) => x.resources.includes("secrets"));
          if (name.endsWith("-webhook")) {
            assert.ok(secretRules.every((x) => x.scope === "Role"));
            assert.ok(secretRules.every((x) => x.resourceNames?.[0] === name || x.verbs.join() === "create"));
          } else if (!name.endsWith("-operator")) assert.deepEqual(secretRules, [], `${name} has no access to secrets`);
        }
        if (v.clusterResources?.enabled) {
          const cr = rulesOf(r, `${fullname}-clusterresource`);
          assert.deepEqual(cr[0], {
            apiGroups: [""],
            resources: ["namespaces"],
            verbs: ["get", "create"],
            scope: "ClusterRole",
          });
        }
      });

      test("pods: non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp, /tmp writable", () => {
        for (const { name: pod, spec } of podSpecs(render(name))) {
          assert.equal(spec.securityContext.runAsNonRoot, true, pod);
          assert.equal(spec.securityContext.seccompProfile.type, "RuntimeDefault", pod);
          for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
            assert.equal(c.securityContext.readOnlyRootFilesystem, true, `${pod}/${c.name}`);
            assert.equal(c.securityContext.allowPrivilegeEscalation, false, `${pod}/${c.name}`);
            assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"], `${pod}/${c.name}`);
            const tmp = c.volumeMounts.find((m: Obj) => m.mountPath === "/tmp");
            assert.ok(spec.volumes.find((vol: Obj) => vol.name === tmp?.name)?.emptyDir, `${pod}/${c.name}: /tmp`);
            for (const m of c.volumeMounts)
              assert.ok(
                spec.volumes.some((vol: Obj) => vol.name === m.name),
                `${pod}: volume ${m.name}`,
              );
            for (const probe of [c.livenessProbe, c.readinessProbe].filter(Boolean))
              assert.ok(
                c.ports.some((p: Obj) => p.name === probe.httpGet.port),
                `${pod}/${c.name}: probe port`,
              );
          }
        }
      });

      test("every container runs a real aloft verb, with flags that verb has", () => {
        for (const { name: pod, spec } of podSpecs(render(name)))
          for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
            const args: string[] = c.args;
            const verb =
              ["webhook", "clusterresource", "migrate"].includes(args[0]!) && !args[1]!.startsWith("-")
                ? args.slice(0, 2)
                : args.slice(0, 1);
            const text = help(verb);
            for (const flag of args.filter((a) => a.startsWith("--")))
              assert.match(
                text,
                new RegExp(`\\s${flag.split("=")[0]}[ ,\\n]`),
                `${pod}/${c.name}: aloft ${verb.join(" ")} ${flag}`,
              );
          }
      });

      test("Services and PodDisruptionBudgets select pods; named target ports exist", () => {
        const r = render(name);
        const pods = byKind(r, "Deployment").map((d) => d.spec.template);
        for (const s of [...byKind(r, "Service"), ...byKind(r, "PodDisruptionBudget")]) {
          const selector = s.kind === "Service" ? s.spec.selector : s.spec.selector.matchLabels;
          const matches = pods.filter((p) => Object.entries(selector).every(([k, x]) => p.metadata.labels[k] === x));
          assert.equal(matches.length, 1, `${s.kind} ${s.metadata.name} selects one Deployment's pods`);
          for (const port of s.spec.ports ?? [])
            assert.ok(
              matches[0]!.spec.containers.some((c: Obj) => c.ports.some((p: Obj) => p.name === port.targetPort)),
            );
        }
      });

      test("the config file loads as Aloft's configuration: PostgreSQL, S3, the Kubernetes executor and engine", () => {
        const r = render(name);
        const v = VALUE_SETS[name]!;
        const cm = named(r, "ConfigMap", v.fullnameOverride ?? "rel-aloft")!;
        const dir = mkdtempSync(join(tmpdir(), "aloft-chart-config-"));
        try {
          writeFileSync(join(dir, "config.yaml"), cm.data["config.yaml"]);
          const env = { ALOFT_STORAGE__S3__ACCESS_KEY_ID: "id", ALOFT_STORAGE__S3__SECRET_ACCESS_KEY: "key" };
          const config = loadConfig({ file: join(dir, "config.yaml"), env });
          assert.equal(config.database.kind, "postgres");
          assert.match(config.database.postgresUrl, /^postgres:\/\/aloft@[^:]+:5432\/aloft/);
          assert.ok(!config.database.postgresUrl.includes(":@"), "no password in the URL");
          assert.equal(config.storage.kind, "s3");
          assert.equal(config.storage.s3.accessKeyId, "id");
          assert.equal(config.executor, "kubernetes");
          assert.equal(config.engine.taskRuntime, "kubernetes");
          assert.equal(config.kubernetes.leaderElection.namespace, NS);
          assert.equal(config.server.host, "0.0.0.0");
          assert.equal(config.auth.enabled, v.auth?.enabled !== false);
          if (v.config?.engine?.workers)
            assert.equal(config.engine.workers, v.config.engine.workers, "config values win over the chart's");
          if (v.config?.auth?.roles) assert.deepEqual(config.auth.roles.bindings, v.config.auth.roles.bindings);
          // copilot's image is the platform's own unless the values name another.
          const image = byKind(r, "Deployment")[0]!.spec.template.spec.containers[0].image;
          assert.match(image, /\/aloft:/);
          assert.deepEqual(JSON.parse(cm.data["pod-plugin.json"]), {
            copilotImage: image,
            ...(v.engine?.podPluginConfig ?? {}),
          });
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });
  }

  test("the migration Job is a pre-install/pre-upgrade hook running `aloft migrate run` without a token", () => {
    const job = byKind(render("defaults"), "Job")[0]!;
    assert.equal(job.metadata.annotations["helm.sh/hook"], "pre-install,pre-upgrade");
    assert.deepEqual(job.spec.template.spec.containers[0].args.slice(0, 2), ["migrate", "run"]);
    assert.equal(job.spec.template.spec.automountServiceAccountToken, false);
    assert.equal(byKind(render("minimal"), "Job").length, 0);
  });

  test("the migration Job's command runs: `aloft migrate run` against PostgreSQL (the URL has no password; PGPASSWORD is set)", async (t) => {
    const skip = await postgresAvailability();
    if (skip) return t.skip(skip);
    const cleanups: Array<() => Promise<void>> = [];
    try {
      const url = new URL(await scratchPostgresUrl(cleanups));
      const postgresql = {
        host: url.hostname,
        port: Number(url.port || 5432),
        user: decodeURIComponent(url.username),
        database: url.pathname.slice(1),
      };
      const r = renderChart(chartDir, { releaseName: "rel", namespace: NS, values: { postgresql } });
      const c = byKind(r, "Job")[0]!.spec.template.spec.containers[0];
      assert.ok(c.env.some((e: Obj) => e.name === "PGPASSWORD" && e.valueFrom.secretKeyRef.key === "password"));
      const run = spawnSync(process.execPath, [join(root, "packages/server/bin/aloft.mjs"), ...c.args], {
        encoding: "utf8",
        env: { ...process.env, PGPASSWORD: decodeURIComponent(url.password) || "unused-with-trust-auth" },
      });
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /database is up to date|applied:/);
    } finally {
      for (const c of cleanups) await c();
    }
  });

  test("NOTES.txt tells where admin is, and warns when authentication is off", () => {
    assert.match(render("defaults").notes, /rel-aloft-admin\.aloft-system\.svc:8089/);
    assert.doesNotMatch(render("defaults").notes, /WARNING/);
    assert.match(render("minimal").notes, /WARNING: authentication is off/);
  });

  test("missing required values fail the render with the value's name", () => {
    assert.throws(
      () => renderChart(chartDir, { releaseName: "r", namespace: NS, values: { postgresql: { existingSecret: "" } } }),
      /postgresql\.existingSecret is required/,
    );
  });

  test("the chart's crds/ are byte-identical copies of deploy/'s", () => {
    assert.equal(
      readFileSync(join(chartDir, "crds", "flyteworkflow.yaml"), "utf8"),
      readFileSync(join(root, "deploy", "crds", "flyteworkflow.yaml"), "utf8"),
    );
    assert.equal(
      readFileSync(join(chartDir, "crds", "trackingserver.yaml"), "utf8"),
      readFileSync(join(root, "deploy", "operator", "crd.yaml"), "utf8"),
    );
  });

  test("the static manifests deploy/crds/*.yaml and deploy/operator/*.yaml validate", async () => {
    for (const dir of ["crds", "operator"]) {
      const files = readdirSync(join(root, "deploy", dir)).filter((f) => f.endsWith(".yaml"));
      assert.ok(files.length > 0);
      for (const file of files)
        for (const doc of parseAllDocuments(readFileSync(join(root, "deploy", dir, file), "utf8"), {
          version: "1.1",
        })) {
          const obj = doc.toJS() as Obj | null;
          if (!obj || obj.apiVersion === "experiment.aloft.dev/v1alpha2") continue; // the sample: a custom resource
          await validate(obj, `deploy/${dir}/${file}`);
        }
    }
  });

  test("helm template (when helm is on PATH) renders the same objects", (t) => {
    const which = spawnSync("helm", ["version", "--short"], { encoding: "utf8" });
    if (which.error || which.status !== 0) {
      t.skip("helm is not on PATH: only testkit's renderer was checked");
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), "aloft-helm-"));
    try {
      for (const name of Object.keys(VALUE_SETS)) {
        writeFileSync(join(dir, "values.json"), JSON.stringify(VALUE_SETS[name]));
        const args = ["template", "rel", chartDir, "--namespace", NS, "-f", join(dir, "values.json")];
        for (const s of SETS[name]!) args.push("--set", s);
        const run = spawnSync("helm", args, { encoding: "utf8" });
        assert.equal(run.status, 0, run.stderr);
        const theirs = parseAllDocuments(run.stdout, { version: "1.1" })
          .map((d) => d.toJS())
          .filter(Boolean);
        const key = (o: Obj) => `${o.kind}/${o.metadata.name}`;
        const sort = (xs: Obj[]) => [...xs].sort((a, b) => (key(a) < key(b) ? -1 : 1));
        assert.deepEqual(sort(render(name).objects), sort(theirs), `values ${name}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
