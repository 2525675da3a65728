// The cluster resource controller on each Kubernetes target (@aloft/kube's test API server; a real cluster when
// KUBECONFIG is set, its namespaces prefixed by the run's): namespaces and templated objects for every project-domain,
// values by precedence, idempotence (a second sync writes nothing, even from a new process), a changed template or
// value updated in place, one broken template or project reported without stopping the others; and the same
// through admin's real API (projects, archived ones skipped, CLUSTER_RESOURCE attributes).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { silentLogger, type ClusterResourceValue } from "@aloft/core";
import { resources, type KubeObject } from "@aloft/kube";
import { type KubeTestEnv, kubeTargets } from "@aloft/kube/testing";
import { createAloftClient } from "@aloft/client";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";
import { Project_ProjectState } from "@aloft/idl/flyteidl/admin/project_pb.js";
import { adminClusterResourceData } from "./admin-data.ts";
import { ClusterResourceController, type ClusterResourceData } from "./controller.ts";

const QUOTA = `apiVersion: v1
kind: ResourceQuota
metadata:
  name: project-quota
  labels: { project: "{{ project }}", domain: "{{domain}}" }
spec:
  hard:
    limits.cpu: "{{ projectQuotaCpu }}"
    limits.memory: "{{ projectQuotaMemory }}"
`;
const ACCOUNT = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: default-runner
  annotations: { iam: "role/{{ namespace }}" }
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  region: "{{ region }}"
`;

type Quota = KubeObject & { spec: { hard: Record<string, string> } };

for (const k8s of kubeTargets())
  describe(`clusterresource on the ${k8s.name}`, { skip: k8s.skip }, () => {
    let env: KubeTestEnv;
    const dir = mkdtempSync(join(tmpdir(), "aloft-clusterresource-"));
    let template = "";
    const values: ClusterResourceValue[] = [
      { key: "projectQuotaCpu", value: "4" },
      { key: "projectQuotaMemory", value: "8Gi" },
      { key: "projectQuotaCpu", value: "16", domain: "production" },
      { key: "region", value: "eu-west-1" },
    ];
    const attributes = new Map<string, Record<string, string>>([["alpha/production", { projectQuotaMemory: "64Gi" }]]);
    const data: ClusterResourceData = {
      projects: async () => [
        { id: "alpha", domains: ["development", "production"] },
        { id: "beta", domains: ["development"] },
      ],
      attributes: async (p, d) => attributes.get(`${p}/${d}`) ?? {},
    };
    const controller = () =>
      new ClusterResourceController({
        api: env.api,
        data,
        templatePath: dir,
        templateData: values,
        namespaceTemplate: template,
        logger: silentLogger(),
      });
    const ns = (project: string, domain: string) => `${env.namespace}-${project}-${domain}`;
    const quota = (namespace: string) => env.api.get<Quota>(resources.resourceQuotas, "project-quota", { namespace });

    before(async () => {
      env = await k8s.start();
      template = `${env.namespace}-{{ project }}-{{ domain }}`;
      writeFileSync(join(dir, "10-quota.yaml"), QUOTA);
      writeFileSync(join(dir, "20-account.yaml"), ACCOUNT);
      writeFileSync(join(dir, "README.md"), "not a template");
    });
    after(async () => {
      for (const n of [ns("alpha", "development"), ns("alpha", "production"), ns("beta", "development")])
        await env.api.delete(resources.namespaces, n).catch(() => undefined);
      await env?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test("every project-domain gets its namespace and the templated objects, values by precedence", async () => {
      const stats = await controller().sync();
      assert.deepEqual(stats.errors, []);
      assert.equal(stats.namespaces, 3);
      assert.equal(stats.created, 3 + 3 * 3, "3 namespaces, 3 objects in each");
      const dev = await quota(ns("alpha", "development"));
      assert.deepEqual(dev.spec.hard, { "limits.cpu": "4", "limits.memory": "8Gi" });
      assert.deepEqual(dev.metadata.labels, { project: "alpha", domain: "development" });
      const prod = await quota(ns("alpha", "production"));
      assert.deepEqual(
        prod.spec.hard,
        { "limits.cpu": "16", "limits.memory": "64Gi" },
        "domain value, then attributes",
      );
      const account = await env.api.get(resources.serviceAccounts, "default-runner", {
        namespace: ns("beta", "development"),
      });
      assert.equal(account.metadata.annotations?.iam, `role/${ns("beta", "development")}`);
      const settings = await env.api.get(resources.configMaps, "settings", { namespace: ns("beta", "development") });
      assert.deepEqual(settings.data, { region: "eu-west-1" });
    });

    test("a second sync, even by a new controller (a restart), changes nothing", async () => {
      const before = (await quota(ns("alpha", "development"))).metadata.resourceVersion;
      const fresh = controller();
      const stats = await fresh.sync();
      assert.deepEqual(stats.errors, []);
      assert.deepEqual([stats.created, stats.updated, stats.unchanged], [0, 0, 9]);
      assert.equal((await quota(ns("alpha", "development"))).metadata.resourceVersion, before);
      const again = await fresh.sync();
      assert.deepEqual([again.created, again.updated, again.unchanged], [0, 0, 9], "from the checksum cache");
    });

    test("a changed value updates the objects in place; a broken template and a failing project are reported, the rest synced", async () => {
      const c = controller();
      attributes.set("beta/development", { projectQuotaCpu: "2" });
      writeFileSync(
        join(dir, "30-broken.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x-{{ missing }}\n",
      );
      const stats = await c.sync();
      assert.equal(stats.updated, 1);
      assert.deepEqual((await quota(ns("beta", "development"))).spec.hard["limits.cpu"], "2");
      assert.equal(stats.errors.length, 3, stats.errors.join("\n"));
      assert.ok(stats.errors.every((e) => /30-broken\.yaml: no value for \{\{ missing \}\}/.test(e)));
      rmSync(join(dir, "30-broken.yaml"));
      const failing = new ClusterResourceController({
        api: env.api,
        data: {
          ...data,
          attributes: async (p) => {
            if (p === "alpha") throw new Error("admin said no");
            return {};
          },
        },
        templatePath: dir,
        templateData: values,
        namespaceTemplate: template,
        logger: silentLogger(),
      });
      const partial = await failing.sync();
      assert.equal(partial.namespaces, 1, "beta still synced");
      assert.equal(partial.errors.length, 2);
      assert.match(partial.errors[0]!, /admin said no/);
    });
  });

describe("clusterresource through admin's API", () => {
  let platform: TestPlatform;
  let env: KubeTestEnv;
  before(async () => {
    platform = await startTestPlatform();
    const target = kubeTargets()[0]!;
    env = await target.start();
  });
  after(async () => {
    await env?.close();
    await platform?.close();
  });

  test("active projects with their domains; CLUSTER_RESOURCE attributes; an archived project is skipped", async () => {
    const client = createAloftClient({ endpoint: platform.grpcAddress, insecure: true });
    try {
      await client.admin.registerProject({ project: { id: "gone", name: "gone" } });
      await client.admin.updateProject({ id: "gone", name: "gone", state: Project_ProjectState.ARCHIVED });
      await client.admin.updateProjectDomainAttributes({
        attributes: {
          project: "flytesnacks",
          domain: "production",
          matchingAttributes: {
            target: { case: "clusterResourceAttributes", value: { attributes: { quota: "32" } } },
          },
        },
      });
      const data = adminClusterResourceData(client);
      const projects = await data.projects();
      assert.ok(!projects.some((p) => p.id === "gone"));
      const snacks = projects.find((p) => p.id === "flytesnacks");
      assert.deepEqual(snacks?.domains, ["development", "staging", "production"]);
      assert.deepEqual(await data.attributes("flytesnacks", "production"), { quota: "32" });
      assert.deepEqual(await data.attributes("flytesnacks", "development"), {});
      const c = new ClusterResourceController({
        api: env.api,
        data,
        templatePath: "",
        templateData: [],
        namespaceTemplate: `${env.namespace}-{{ project }}-{{ domain }}`,
        logger: silentLogger(),
      });
      const stats = await c.sync();
      assert.deepEqual(stats.errors, []);
      assert.equal(
        stats.namespaces,
        projects.reduce((n, p) => n + p.domains.length, 0),
      );
      await env.api.get(resources.namespaces, `${env.namespace}-flytesnacks-production`);
    } finally {
      client.close();
    }
  });
});
