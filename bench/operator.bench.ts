// The TrackingServer operator reconciling N TrackingServers from scratch on the test API server (in this process),
// with the deployment-status simulator standing in for kube-controller-manager: time from the first create to every
// TrackingServer Ready, and the operator's API calls per resource (by verb; its informers' lists and watches
// included, the simulator's and this script's own reads not). Baseline, same run and server: the bare creates of
// the same objects (the TrackingServer, its Deployment, Service and Ingress) by a plain loop with the same
// concurrency — the least any operator must write.
// Usage: npm run bench:operator [-- --servers 500 --workers 4]
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { silentLogger } from "@aloft/core";
import { createKubeApi, type KubeApi, type KubeObject, resources } from "@aloft/kube";
import { eventually, startDeploymentController, startTestApiServer } from "@aloft/kube/testing";
import { type TrackingServer, TrackingServerController, trackingServerCrd, trackingServers } from "@aloft/operator";

const { values } = parseArgs({
  options: { servers: { type: "string", default: "500" }, workers: { type: "string", default: "4" } },
});
const N = Number(values.servers);
const WORKERS = Number(values.workers);

const server = await startTestApiServer({ historySize: 200_000 });
const kc = server.kubeConfig();
const admin = createKubeApi(kc, { fieldManager: "bench" });
await admin.create(resources.customResourceDefinitions, trackingServerCrd);
for (const name of ["baseline", "bench"]) await admin.create(resources.namespaces, { metadata: { name } });
const sim = await startDeploymentController(createKubeApi(kc, { fieldManager: "deployment-controller" }));

const spec = (i: number) => ({
  size: 1,
  image: "ghcr.io/mlflow/mlflow:v2.19.0",
  s3_endpoint_url: "http://s3.example.com/",
  artifact_root: `s3://mlflow/team-${i}/`,
  backend_uri: "sqlite:////mlflow/mlflow.db",
  url: `https://mlflow.example.com/team-${i}`,
});

async function inParallel(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

/** A KubeApi that counts its calls by verb. */
function counted(api: KubeApi): { api: KubeApi; counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  const wrapped = new Proxy(api, {
    get: (target, prop: keyof KubeApi) => {
      const fn = target[prop] as (...a: unknown[]) => unknown;
      return (...args: unknown[]) => {
        counts[prop] = (counts[prop] ?? 0) + 1;
        return fn.apply(target, args);
      };
    },
  });
  return { api: wrapped, counts };
}

// Baseline: the writes themselves, nothing else.
const t0 = performance.now();
await inParallel(N, WORKERS, async (i) => {
  const name = `ts-${i}`;
  const metadata = { name, namespace: "baseline" };
  await admin.create(trackingServers, { metadata, spec: spec(i) } as KubeObject);
  const labels = { app: "trackingserver", ts_name: name };
  await admin.create(resources.deployments, {
    metadata,
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: "mlflow", image: spec(i).image }] } },
    },
  });
  await admin.create(resources.services, {
    metadata,
    spec: { selector: labels, ports: [{ name: "server", port: 5000, targetPort: 5000 }] },
  });
  await admin.create(resources.ingresses, {
    metadata,
    spec: { rules: [{ host: "mlflow.example.com", http: { paths: [] } }] },
  });
});
const baselineMs = performance.now() - t0;

// The operator, from scratch.
const { api, counts } = counted(createKubeApi(kc, { fieldManager: "aloft-operator" }));
const controller = new TrackingServerController({
  api,
  namespace: "bench",
  config: { ingressController: "nginx" },
  workers: WORKERS,
  logger: silentLogger(),
});
await controller.start();
let ready = 0;
const readyNames = new Set<string>();
const watch = await admin.watch<TrackingServer>(trackingServers, { namespace: "bench" }, (event) => {
  const ts = event.object;
  const ok = ts.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
  if (ok && !readyNames.has(ts.metadata.name!)) {
    readyNames.add(ts.metadata.name!);
    ready++;
  }
});
const t1 = performance.now();
await inParallel(N, WORKERS, (i) =>
  admin.create(trackingServers, { metadata: { name: `ts-${i}`, namespace: "bench" }, spec: spec(i) } as KubeObject),
);
await eventually(() => ready >= N, `${N} TrackingServers Ready`, 600_000);
const operatorMs = performance.now() - t1;
watch.stop();
await controller.stop();
await sim.stop();
await server.close();

const total = Object.values(counts).reduce((a, b) => a + b, 0);
const perVerb = Object.entries(counts)
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([verb, n]) => `${verb} ${(n / N).toFixed(2)}`)
  .join(", ");
const rows: [string, string][] = [
  ["TrackingServers", String(N)],
  ["workers", String(WORKERS)],
  ["operator: time to all Ready", `${(operatorMs / 1000).toFixed(2)} s (${((N * 1000) / operatorMs).toFixed(0)} /s)`],
  ["operator: API calls per TrackingServer", `${(total / N).toFixed(2)} (${perVerb})`],
  ["operator: reconciles per TrackingServer", (controller.stats.reconciles / N).toFixed(2)],
  ["baseline: bare creates (4 per TrackingServer)", `${(baselineMs / 1000).toFixed(2)} s`],
  ["ratio operator / baseline", `${(operatorMs / baselineMs).toFixed(2)}×`],
];
for (const [k, v] of rows) process.stdout.write(`${k.padEnd(44)} ${v}\n`);
