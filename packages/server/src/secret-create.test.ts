// `aloft secret create` on each Kubernetes target (@aloft/kube's test API server, and a real cluster when KUBECONFIG is
// set; the real client underneath, a fresh namespace each): the Secret of `secret init`
// created in the cluster, replaced by the directory's files on a re-run (a rotated key published, a deleted one gone;
// labels kept), nothing written when nothing changed, a concurrent writer survived by reading again, and a missing
// namespace named.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { initSecrets, secretObject } from "@aloft/admin";
import * as kube from "@aloft/kube";
import { type KubeTestEnv, kubeTargets } from "@aloft/kube/testing";
import { applySecret } from "./secret-create.ts";

type KubeSecret = kube.KubeObject & { data?: Record<string, string> };
for (const k8s of kubeTargets())
  describe(`secret create on the ${k8s.name}`, { skip: k8s.skip }, () => {
    const dir = mkdtempSync(join(tmpdir(), "aloft-secret-create-"));
    let env: KubeTestEnv;
    let api: kube.KubeApi;
    const target = { name: "flyte-admin-secrets", namespace: "" };

    before(async () => {
      await initSecrets({ dir, clients: ["ci-bot"], users: ["alice"] });
      env = await k8s.start();
      api = env.api;
      target.namespace = env.namespace;
    });
    after(async () => {
      await env?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const read = () => api.get<KubeSecret>(kube.resources.secrets, target.name, { namespace: target.namespace });

    test("creates the Secret, then replaces its data with the directory's on a re-run", async () => {
      assert.equal(await applySecret(api, secretObject(dir, target), kube), "created");
      const first = await read();
      assert.deepEqual(Object.keys(first.data ?? {}).sort(), Object.keys(secretObject(dir, target).data).sort());
      assert.ok(!Object.keys(first.data ?? {}).some((k) => k.endsWith(".password")), "plain passwords stay out");
      assert.equal(await applySecret(api, secretObject(dir, target), kube), "unchanged");

      // A label added by someone else survives; a rotated key is published, a deleted file leaves the Secret.
      await api.update<KubeSecret>(kube.resources.secrets, {
        ...first,
        metadata: { ...first.metadata, labels: { team: "ml" } },
      });
      writeFileSync(join(dir, "cookie-hash-key"), "rotated", { mode: 0o600 });
      unlinkSync(join(dir, "ci-bot.secret"));
      assert.equal(await applySecret(api, secretObject(dir, target), kube), "updated");
      const second = await read();
      assert.equal(Buffer.from(second.data!["cookie-hash-key"]!, "base64").toString(), "rotated");
      assert.equal(second.data!["ci-bot.secret"], undefined);
      assert.equal(second.metadata.labels?.team, "ml");
    });

    test("a concurrent writer between the read and the update: a conflict, read again, and the update wins", async () => {
      writeFileSync(join(dir, "cookie-block-key"), "rotated-again", { mode: 0o600 });
      let raced = false;
      const racing: kube.KubeApi = {
        ...api,
        create: (...a) => api.create(...a),
        get: async <T extends kube.KubeObject>(...a: Parameters<kube.KubeApi["get"]>) => {
          const got = await api.get<T>(...a);
          if (!raced) {
            raced = true; // someone else writes after this read: the update below carries a stale resourceVersion
            await api.update<KubeSecret>(kube.resources.secrets, {
              ...(got as KubeSecret),
              metadata: { ...got.metadata, annotations: { touched: "yes" } },
            });
          }
          return got;
        },
        update: (...a) => api.update(...a),
      };
      const updates = () => env.server?.requestCounts.update ?? 0;
      const before = updates();
      assert.equal(await applySecret(racing, secretObject(dir, target), kube), "updated");
      assert.ok(raced);
      if (env.server) assert.equal(updates() - before, 3, "the racer's, the conflicting one, the retry");
      const now = await read();
      assert.equal(Buffer.from(now.data!["cookie-block-key"]!, "base64").toString(), "rotated-again");
      assert.equal(now.metadata.annotations?.touched, "yes");
    });

    test("a namespace that does not exist is named", async () => {
      await assert.rejects(
        applySecret(api, secretObject(dir, { name: "x", namespace: `${env.namespace}-nowhere` }), kube),
        /namespace \S+-nowhere does not exist/,
      );
    });
  });
