// A stand-in for kube-controller-manager's deployment controller, beside the test API server (which runs no
// workloads): for each Deployment it writes through /status what the real controller reports once the pods are up —
// observedGeneration, replicas, updatedReplicas, readyReplicas, availableReplicas = spec.replicas — and the Available
// condition. Operators that wait for a rollout can then be tested end to end.
import { Informer } from "../informer.ts";
import type { KubeApi } from "../kube-api.ts";
import { resources } from "../resources.ts";
import type { KubeObject } from "../types.ts";

export interface DeploymentControllerSim {
  stop(): Promise<void>;
}

function rolledOut(dep: KubeObject): boolean {
  const s = dep.status ?? {};
  const want = dep.spec?.replicas ?? 1;
  return (
    s.observedGeneration === dep.metadata.generation &&
    s.availableReplicas === want &&
    s.updatedReplicas === want &&
    s.replicas === want
  );
}

/** Starts the simulator on `api` (every namespace, or one); `stop()` ends it. */
export async function startDeploymentController(
  api: KubeApi,
  options: { namespace?: string } = {},
): Promise<DeploymentControllerSim> {
  const informer = new Informer<KubeObject>(api, resources.deployments, { namespace: options.namespace });
  const report = (dep: KubeObject) => {
    if (dep.metadata.deletionTimestamp || rolledOut(dep)) return;
    const want = dep.spec?.replicas ?? 1;
    const status = {
      observedGeneration: dep.metadata.generation,
      replicas: want,
      updatedReplicas: want,
      readyReplicas: want,
      availableReplicas: want,
      conditions: [{ type: "Available", status: "True", reason: "MinimumReplicasAvailable" }],
    };
    api
      .patch(
        resources.deployments,
        dep.metadata.name!,
        { status },
        {
          namespace: dep.metadata.namespace!,
          subresource: "status",
          type: "merge",
        },
      )
      // Not found: deleted meanwhile; anything else: the next event of the Deployment tries again.
      .catch(() => undefined);
  };
  informer.addHandlers({ onAdd: report, onUpdate: (_old, dep) => report(dep) });
  informer.start();
  await informer.waitForSync();
  return { stop: () => informer.stop() };
}
