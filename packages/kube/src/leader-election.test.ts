// Contract suite of Lease leader election: on the test API server always, on a real cluster when KUBECONFIG is set.
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { after, before, describe, test } from "node:test";
import { AloftError, Code } from "@aloft/core";
import { ManualClock } from "@aloft/core/testing";
import type { KubeApi } from "./kube-api.ts";
import { LeaderElector, releaseOnSignals } from "./leader-election.ts";
import { resources } from "./resources.ts";
import { eventually, type KubeTestEnv, kubeTargets } from "./testing.ts";

const timing = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 50 };

/** An API that fails every call once `cut` is set: the process of a leader that died or lost the network. */
function severable(api: KubeApi): { api: KubeApi; cut: () => void } {
  let dead = false;
  const fail = () => Promise.reject(new AloftError(Code.UNAVAILABLE, "kube.unavailable", "connection refused"));
  const wrapped = new Proxy(api, {
    get:
      (target, prop) =>
      (...args: unknown[]) =>
        dead ? fail() : (target[prop as keyof KubeApi] as (...a: unknown[]) => unknown).apply(target, args),
  });
  return { api: wrapped, cut: () => (dead = true) };
}

for (const target of kubeTargets()) {
  describe(`Lease leader election on ${target.name}`, { skip: target.skip }, () => {
    let env: KubeTestEnv;
    before(async () => {
      env = await target.start();
    });
    after(() => env?.close());

    test("one of two candidates leads; SIGTERM releases the lease and the other takes over at once", async () => {
      const { api, namespace } = env;
      const leading = new Set<string>();
      let overlap = false;
      const candidate = (identity: string) =>
        new LeaderElector(api, {
          namespace,
          name: "sigterm",
          identity,
          // Leases that would take an hour to expire: only a release can hand over within the test.
          leaseDurationMs: 3_600_000,
          renewDeadlineMs: 60_000,
          retryPeriodMs: 50,
          onStartedLeading: () => {
            if (leading.size > 0) overlap = true;
            leading.add(identity);
          },
          onStoppedLeading: () => leading.delete(identity),
        });
      const a = candidate("a");
      const b = candidate("b");
      a.start();
      await eventually(() => a.isLeader(), "a to lead");
      b.start();
      await eventually(() => b.getLeader() === "a", "b to observe a");
      assert.equal(b.isLeader(), false);
      const proc = new EventEmitter();
      let exited = false;
      releaseOnSignals(a, proc as unknown as NodeJS.Process, () => {
        exited = true;
      });
      proc.emit("SIGTERM");
      await eventually(() => exited, "a to release and exit");
      await eventually(() => b.isLeader(), "b to take over");
      assert.equal(a.isLeader(), false);
      const lease = await api.get(resources.leases, "sigterm", { namespace });
      assert.equal(lease.spec.holderIdentity, "b");
      assert.ok(lease.spec.leaseTransitions >= 1);
      assert.equal(overlap, false);
      await b.stop();
    });

    test("a leader that dies without releasing is replaced once the lease expires on the follower's clock", async () => {
      const { namespace } = env;
      const clock = new ManualClock(Date.now());
      const dying = severable(env.api);
      let stoppedA = false;
      const a = new LeaderElector(dying.api, {
        namespace,
        name: "crash",
        identity: "a",
        ...timing,
        onStoppedLeading: () => (stoppedA = true),
      });
      const b = new LeaderElector(env.api, { namespace, name: "crash", identity: "b", ...timing, clock });
      a.start();
      await eventually(() => a.isLeader(), "a to lead");
      b.start();
      await eventually(() => b.getLeader() === "a", "b to observe a");
      dying.cut();
      await eventually(() => stoppedA, "a to step down after its renew deadline");
      assert.equal(b.isLeader(), false, "the lease has not expired on b's clock");
      clock.advance(timing.leaseDurationMs + 1);
      await eventually(() => b.isLeader(), "b to take over");
      await a.stop();
      await b.stop();
    });
  });
}
