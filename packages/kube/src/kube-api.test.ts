// Contract suite of the KubeApi port: runs on the test API server always, on a real cluster when KUBECONFIG is set.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { AloftError, Code } from "@aloft/core";
import { isAlreadyExists, isConflict, isInvalid, isNotFound } from "./errors.ts";
import type { ResourceType } from "./resources.ts";
import { resources } from "./resources.ts";
import { eventually, type KubeTestEnv, kubeTargets } from "./testing.ts";
import type { KubeObject, WatchEvent } from "./types.ts";

const widgets: ResourceType = {
  group: "test.aloft.dev",
  version: "v1",
  plural: "widgets",
  kind: "Widget",
  namespaced: true,
};
const widgetCrd = {
  metadata: { name: "widgets.test.aloft.dev" },
  spec: {
    group: "test.aloft.dev",
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
      },
    ],
  },
};

async function ensureCrd(env: KubeTestEnv): Promise<void> {
  await env.api.create(resources.customResourceDefinitions, widgetCrd).catch((err) => {
    if (!isAlreadyExists(err)) throw err;
  });
  await eventually(
    () =>
      env.api.list(widgets, { namespace: env.namespace }).then(
        () => true,
        () => false,
      ),
    "the CRD to be served",
  );
}

for (const target of kubeTargets()) {
  describe(`KubeApi on ${target.name}`, { skip: target.skip }, () => {
    let env: KubeTestEnv;
    before(async () => {
      env = await target.start();
    });
    after(() => env?.close());

    test("create, get, list with label and field selectors; namespaced and cluster-scoped", async () => {
      const { api, namespace } = env;
      const a = await api.create(resources.configMaps, {
        metadata: { name: "a", namespace, labels: { app: "x", tier: "web" } },
        data: { k: "1" },
      });
      await api.create(resources.configMaps, { metadata: { name: "b", namespace, labels: { app: "y" } } });
      assert.ok(a.metadata.uid && a.metadata.resourceVersion && a.metadata.creationTimestamp);
      assert.equal((await api.get(resources.configMaps, "a", { namespace })).data.k, "1");
      const names = async (opts: object) =>
        (await api.list(resources.configMaps, { namespace, ...opts })).items
          .map((o) => o.metadata.name)
          .filter((n) => n === "a" || n === "b");
      assert.deepEqual(await names({ labelSelector: { app: "x" } }), ["a"]);
      assert.deepEqual(await names({ labelSelector: "app in (x,y),tier!=db" }), ["a", "b"]);
      assert.deepEqual(await names({ labelSelector: "!tier" }), ["b"]);
      assert.deepEqual(await names({ fieldSelector: "metadata.name=b" }), ["b"]);
      const generated = await api.create(resources.configMaps, { metadata: { generateName: "gen-", namespace } });
      assert.match(generated.metadata.name!, /^gen-[a-z0-9]{5}$/);
      const ns = await api.get(resources.namespaces, namespace);
      assert.equal(ns.status.phase, "Active");
      const all = await api.list(resources.namespaces, { fieldSelector: { "metadata.name": namespace } });
      assert.deepEqual(
        all.items.map((o) => o.metadata.name),
        [namespace],
      );
    });

    test("errors: not found, already exists, invalid name, conflict on a stale update", async () => {
      const { api, namespace } = env;
      const err = await api.get(resources.secrets, "missing", { namespace }).catch((e: unknown) => e);
      assert.ok(isNotFound(err) && err instanceof AloftError && err.code === Code.NOT_FOUND, String(err));
      await api.create(resources.secrets, { metadata: { name: "s", namespace }, stringData: { a: "b" } });
      const dup = await api.create(resources.secrets, { metadata: { name: "s", namespace } }).catch((e: unknown) => e);
      assert.ok(isAlreadyExists(dup) && (dup as AloftError).code === Code.ALREADY_EXISTS, String(dup));
      const bad = await api
        .create(resources.secrets, { metadata: { name: "Not_Valid", namespace } })
        .catch((e: unknown) => e);
      assert.ok(isInvalid(bad) && (bad as AloftError).code === Code.INVALID_ARGUMENT, String(bad));

      const first = await api.create(resources.configMaps, { metadata: { name: "c", namespace }, data: { v: "1" } });
      const second = await api.update(resources.configMaps, { ...first, data: { v: "2" } });
      assert.notEqual(second.metadata.resourceVersion, first.metadata.resourceVersion);
      const stale = await api.update(resources.configMaps, { ...first, data: { v: "3" } }).catch((e: unknown) => e);
      assert.ok(isConflict(stale) && (stale as AloftError).code === Code.ABORTED, String(stale));
      assert.equal((await api.get(resources.configMaps, "c", { namespace })).data.v, "2");
      const pre = await api
        .delete(resources.configMaps, "c", {
          namespace,
          preconditions: { resourceVersion: first.metadata.resourceVersion! },
        })
        .catch((e: unknown) => e);
      assert.ok(isConflict(pre), String(pre));
    });

    test("patches: merge, JSON, strategic (built-in kinds) and server-side apply", async () => {
      const { api, namespace } = env;
      await api.create(resources.configMaps, {
        metadata: { name: "p", namespace, labels: { a: "1" } },
        data: { x: "1", y: "2" },
      });
      let cm = await api.patch(resources.configMaps, "p", { data: { y: null, z: "3" } }, { namespace });
      assert.deepEqual(cm.data, { x: "1", z: "3" });
      cm = await api.patch(
        resources.configMaps,
        "p",
        [
          { op: "replace", path: "/data/x", value: "9" },
          { op: "add", path: "/metadata/labels/b", value: "2" },
        ],
        { namespace, type: "json" },
      );
      assert.deepEqual([cm.data.x, cm.metadata.labels], ["9", { a: "1", b: "2" }]);
      cm = await api.patch(resources.configMaps, "p", { data: { w: "4" } }, { namespace, type: "strategic" });
      assert.equal(cm.data.w, "4");
      const applied = await api.apply(
        resources.configMaps,
        { metadata: { name: "applied", namespace }, data: { a: "1" } },
        { fieldManager: "tester" },
      );
      assert.equal(applied.data.a, "1");
      const reapplied = await api.apply(
        resources.configMaps,
        { metadata: { name: "applied", namespace }, data: { a: "2" } },
        { fieldManager: "tester" },
      );
      assert.equal(reapplied.data.a, "2");
      const stale = await api
        .patch(
          resources.configMaps,
          "p",
          { metadata: { resourceVersion: applied.metadata.resourceVersion }, data: { q: "1" } },
          { namespace },
        )
        .catch((e: unknown) => e);
      assert.ok(isConflict(stale), String(stale));
    });

    test("custom resources: status subresource and generation bumped on spec changes only", async () => {
      const { api, namespace } = env;
      await ensureCrd(env);
      const w = await api.create(widgets, {
        metadata: { name: "w", namespace },
        spec: { size: 1 },
        status: { ready: true },
      });
      assert.equal(w.metadata.generation, 1);
      assert.equal(w.status, undefined, "status is ignored on create when the status subresource is on");
      const s = await api.update(
        widgets,
        { ...w, spec: { size: 5 }, status: { ready: true } },
        { subresource: "status" },
      );
      assert.deepEqual([s.spec.size, s.status.ready, s.metadata.generation], [1, true, 1]);
      const u = await api.update(widgets, { ...s, spec: { size: 2 }, status: { ready: false } });
      assert.deepEqual([u.spec.size, u.status.ready, u.metadata.generation], [2, true, 2]);
      const l = await api.patch(widgets, "w", { metadata: { labels: { x: "y" } } }, { namespace });
      assert.equal(l.metadata.generation, 2);
      const p = await api.patch(widgets, "w", { status: { ready: false } }, { namespace, subresource: "status" });
      assert.deepEqual([p.status.ready, p.metadata.generation], [false, 2]);
      const noRv = await api
        .update(widgets, { ...p, metadata: { ...p.metadata, resourceVersion: undefined } })
        .catch((e: unknown) => e);
      assert.ok(isInvalid(noRv), `custom resources need a resourceVersion on update: ${noRv}`);
    });

    test("finalizers: delete only marks; removing the last finalizer deletes", async () => {
      const { api, namespace } = env;
      await ensureCrd(env);
      await api.create(widgets, {
        metadata: { name: "f", namespace, finalizers: ["test.aloft.dev/cleanup"] },
        spec: {},
      });
      await api.delete(widgets, "f", { namespace });
      const marked = await api.get(widgets, "f", { namespace });
      assert.ok(marked.metadata.deletionTimestamp);
      const more = await api
        .update(widgets, {
          ...marked,
          metadata: { ...marked.metadata, finalizers: ["test.aloft.dev/cleanup", "other.io/x"] },
        })
        .catch((e: unknown) => e);
      assert.ok(isInvalid(more), `no new finalizers on a deleting object: ${more}`);
      await api.patch(widgets, "f", { metadata: { finalizers: null } }, { namespace });
      await eventually(
        () =>
          api.get(widgets, "f", { namespace }).then(
            () => false,
            (e) => isNotFound(e),
          ),
        "the object to go",
      );
    });

    test("owner references: deleting the owner deletes its dependents (background) and Orphan keeps them", async () => {
      const { api, namespace } = env;
      const owner = await api.create(resources.configMaps, { metadata: { name: "owner", namespace } });
      const ref = {
        apiVersion: "v1",
        kind: "ConfigMap",
        name: "owner",
        uid: owner.metadata.uid!,
        controller: true,
        blockOwnerDeletion: true,
      };
      await api.create(resources.secrets, { metadata: { name: "dep", namespace, ownerReferences: [ref] } });
      await api.delete(resources.configMaps, "owner", { namespace });
      await eventually(
        () =>
          api.get(resources.secrets, "dep", { namespace }).then(
            () => false,
            (e) => isNotFound(e),
          ),
        "the dependent to be collected",
      );

      const owner2 = await api.create(resources.configMaps, { metadata: { name: "owner2", namespace } });
      await api.create(resources.secrets, {
        metadata: { name: "kept", namespace, ownerReferences: [{ ...ref, name: "owner2", uid: owner2.metadata.uid! }] },
      });
      await api.delete(resources.configMaps, "owner2", { namespace, propagationPolicy: "Orphan" });
      const kept = await eventually(async () => {
        const s = await api.get(resources.secrets, "kept", { namespace });
        return s.metadata.ownerReferences === undefined ? s : undefined;
      }, "the owner reference to be removed");
      assert.equal(kept.metadata.name, "kept");
    });

    test("resourceType discovers built-in and custom kinds; an unknown kind is NOT_FOUND", async () => {
      const { api } = env;
      assert.deepEqual(await api.resourceType("v1", "ConfigMap"), resources.configMaps);
      assert.deepEqual(await api.resourceType("v1", "Namespace"), resources.namespaces);
      assert.deepEqual(await api.resourceType("apps/v1", "Deployment"), resources.deployments);
      await ensureCrd(env);
      assert.deepEqual(await api.resourceType("test.aloft.dev/v1", "Widget"), widgets);
      await assert.rejects(
        api.resourceType("v1", "Gadget"),
        (e: unknown) => e instanceof AloftError && e.code === Code.NOT_FOUND && /Gadget/.test(e.message),
      );
    });

    test("watch: from a resourceVersion, with selectors; a deleted object's last state", async () => {
      const { api, namespace } = env;
      const start = await api.list(resources.configMaps, { namespace });
      const events: WatchEvent[] = [];
      const handle = await api.watch(
        resources.configMaps,
        { namespace, resourceVersion: start.metadata.resourceVersion!, labelSelector: { watched: "yes" } },
        (e) => {
          if (e.type !== "BOOKMARK") events.push(e);
        },
      );
      await api.create(resources.configMaps, { metadata: { name: "w1", namespace, labels: { watched: "yes" } } });
      await api.create(resources.configMaps, { metadata: { name: "w2", namespace, labels: { watched: "no" } } });
      await api.patch(resources.configMaps, "w2", { metadata: { labels: { watched: "yes" } } }, { namespace });
      await api.patch(resources.configMaps, "w1", { metadata: { labels: { watched: "no" } } }, { namespace });
      await api.delete(resources.configMaps, "w2", { namespace });
      await eventually(() => events.length >= 4, "four events").catch((e) =>
        assert.fail(`${e}: ${events.map((x) => `${x.type} ${x.object.metadata.name}`)}`),
      );
      handle.stop();
      assert.deepEqual(
        events.map((e) => `${e.type} ${e.object.metadata.name}`),
        ["ADDED w1", "ADDED w2", "DELETED w1", "DELETED w2"],
      );
    });

    test("watch: bookmarks, and 410 Gone (ERROR event) from a compacted resourceVersion", async (t) => {
      if (!env.server) return t.skip("compaction and a short bookmark interval exist only on the test API server");
      const { api, namespace, server } = env;
      const old = (await api.create(resources.configMaps, { metadata: { name: "g", namespace } })).metadata
        .resourceVersion!;
      const seen: WatchEvent<KubeObject>[] = [];
      const live = await api.watch(
        resources.configMaps,
        { namespace, resourceVersion: old, allowWatchBookmarks: true },
        (e) => seen.push(e),
      );
      await eventually(() => seen.some((e) => e.type === "BOOKMARK"), "a bookmark");
      live.stop();
      await api.patch(resources.configMaps, "g", { data: { a: "b" } }, { namespace });
      server.compact();
      const errors: WatchEvent[] = [];
      const gone = await api.watch(resources.configMaps, { namespace, resourceVersion: old }, (e) => errors.push(e));
      await gone.closed;
      assert.equal(errors[0]?.type, "ERROR");
      assert.equal((errors[0]!.object as unknown as { code: number }).code, 410);
    });
  });
}
