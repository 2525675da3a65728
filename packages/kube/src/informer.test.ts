// Contract suite of the informer: on the test API server always, on a real cluster when KUBECONFIG is set.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Informer } from "./informer.ts";
import { resources } from "./resources.ts";
import { createKubeApi } from "./kube-api.ts";
import { eventually, type KubeTestEnv, kubeTargets, startTestApiServer } from "./testing.ts";
import type { KubeObject } from "./types.ts";

function recorder() {
  const log: string[] = [];
  return {
    log,
    handlers: {
      onAdd: (o: KubeObject) => log.push(`add ${o.metadata.name}`),
      onUpdate: (old: KubeObject, o: KubeObject) =>
        log.push(
          old.metadata.resourceVersion === o.metadata.resourceVersion
            ? `resync ${o.metadata.name}`
            : `update ${o.metadata.name}`,
        ),
      onDelete: (o: KubeObject) => log.push(`delete ${o.metadata.name}`),
    },
  };
}

for (const target of kubeTargets()) {
  describe(`Informer on ${target.name}`, { skip: target.skip }, () => {
    let env: KubeTestEnv;
    before(async () => {
      env = await target.start();
    });
    after(() => env?.close());

    test("lists, then watches: add, update and delete reach the handlers and the cache; indexes", async () => {
      const { api, namespace } = env;
      await api.create(resources.configMaps, { metadata: { name: "pre", namespace, labels: { team: "a" } } });
      const informer = new Informer(api, resources.configMaps, {
        namespace,
        indexers: { team: (o) => (o.metadata.labels?.team ? [o.metadata.labels.team] : []) },
      });
      const { log, handlers } = recorder();
      informer.addHandlers(handlers);
      informer.start();
      await informer.waitForSync();
      assert.ok(informer.store.get(`${namespace}/pre`));
      await api.create(resources.configMaps, { metadata: { name: "new", namespace, labels: { team: "a" } } });
      await api.patch(resources.configMaps, "new", { data: { x: "1" } }, { namespace });
      await api.delete(resources.configMaps, "pre", { namespace });
      await eventually(
        () => log.includes("delete pre") && informer.store.get(`${namespace}/new`)?.data?.x === "1",
        "the changes",
      );
      assert.deepEqual(
        log.filter((l) => l.endsWith(" new") || l.endsWith(" pre")),
        ["add pre", "add new", "update new", "delete pre"],
      );
      assert.deepEqual(
        informer.store.byIndex("team", "a").map((o) => o.metadata.name),
        ["new"],
      );
      await informer.stop();
    });

    test("resync replays every cached object as an update", async () => {
      const { api, namespace } = env;
      await api.create(resources.configMaps, { metadata: { name: "r", namespace, labels: { resync: "yes" } } });
      const informer = new Informer(api, resources.configMaps, {
        namespace,
        labelSelector: { resync: "yes" },
        resyncPeriodMs: 50,
      });
      const { log, handlers } = recorder();
      informer.addHandlers(handlers);
      informer.start();
      await eventually(() => log.filter((l) => l === "resync r").length >= 2, "two resyncs");
      await informer.stop();
    });

    test("a watch that ends is resumed from the last resourceVersion, without a relist", async (t) => {
      if (!env.server) return t.skip("closing the server's watches exists only on the test API server");
      const { api, namespace, server } = env;
      const informer = new Informer(api, resources.configMaps, {
        namespace,
        labelSelector: { resume: "yes" },
        backoff: { initialMs: 10, maxMs: 100 },
      });
      const { log, handlers } = recorder();
      informer.addHandlers(handlers);
      informer.start();
      await informer.waitForSync();
      server.closeWatches();
      await api.create(resources.configMaps, {
        metadata: { name: "after-close", namespace, labels: { resume: "yes" } },
      });
      await eventually(() => log.includes("add after-close"), "the change made while the watch was down");
      assert.equal(informer.listCount, 1);
      await informer.stop();
    });

    test("410 Gone on resume: the informer relists and its cache matches the server again", async (t) => {
      if (!env.server) return t.skip("compaction exists only on the test API server");
      // A server of its own without bookmarks, so that the informer's resourceVersion stays behind while others change.
      const server = await startTestApiServer({ bookmarkIntervalMs: 3_600_000 });
      const api = createKubeApi(server.kubeConfig());
      const namespace = "default";
      await api.create(resources.configMaps, { metadata: { name: "doomed", namespace, labels: { gone: "yes" } } });
      const informer = new Informer(api, resources.configMaps, {
        namespace,
        labelSelector: { gone: "yes" },
        backoff: { initialMs: 10, maxMs: 100 },
      });
      const { log, handlers } = recorder();
      informer.addHandlers(handlers);
      informer.start();
      await informer.waitForSync();
      const listedAt = informer.lastSyncResourceVersion;
      await api.create(resources.configMaps, { metadata: { name: "unrelated", namespace } });
      server.compact();
      server.closeWatches();
      await eventually(() => informer.listCount >= 2, "a relist after 410 Gone");
      assert.notEqual(informer.lastSyncResourceVersion, listedAt);
      assert.deepEqual(informer.store.keys(), [`${namespace}/doomed`]);
      await api.delete(resources.configMaps, "doomed", { namespace });
      await api.create(resources.configMaps, { metadata: { name: "born", namespace, labels: { gone: "yes" } } });
      await eventually(
        () => log.includes("add born") && log.includes("delete doomed"),
        "watching again after the relist",
      );
      assert.deepEqual(informer.store.keys(), [`${namespace}/born`]);
      await informer.stop();
      await server.close();
    });
  });
}
