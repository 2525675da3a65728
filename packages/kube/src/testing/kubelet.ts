// A simulated kubelet for tests: it schedules unbound pods onto its node (the scheduler's part, done here with a
// merge patch of spec.nodeName where a real scheduler POSTs a Binding), runs each container's command + args as a
// local process with the container's environment (values, and secretKeyRef values read from the API), and reports
// what a kubelet reports through the status subresource: Pending (ContainerCreating) → Running → Succeeded / Failed
// with each container's exit code, reason and, on failure, its log tail as message (FallbackToLogsOnError).
// Init containers run first, one after the other, each to exit 0 before the next (the pod stays Pending, its
// containers waiting in PodInitializing); a failing one fails the pod (restartPolicy Never) and no container starts.
// An emptyDir volume is a real temporary directory, removed with the pod; a container's volume mount is a symbolic
// link at the mount path to it (the processes share the host's file system, so tests give distinct mount paths).
// Environment values may come from the downward API (`fieldRef` metadata.name, metadata.namespace, metadata.uid,
// spec.nodeName, spec.serviceAccountName) as well as from values and secrets.
// Deleting a pod stops its processes (SIGTERM, then SIGKILL after the grace period) and confirms the deletion with a
// DELETE of grace period 0, as a kubelet does. The image is ignored, except for two simulation markers:
// - an image ending in `:pull-error` never starts: the container waits in ErrImagePull / ImagePullBackOff;
// - a process that prints the line `ALOFT_KUBELET_OOM` is killed and reported OOMKilled (exit code 137), as the
//   kernel's OOM killer would.
// As the scheduler, a pod whose node selector or required node affinity the node's labels (`nodeLabels`) do not meet
// stays Pending with PodScheduled=False (Unschedulable) and a Warning event FailedScheduling; as the kubelet, a failing
// image pull records the Warning events Failed and BackOff. (Taints are not simulated: the node has none.)
// Test-only code: never imported by production code.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, mkdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { resources } from "../resources.ts";
import type { KubeApi, WatchHandle } from "../kube-api.ts";
import type { KubeObject } from "../types.ts";

type Json = Record<string, any>;

export const OOM_MARKER = "ALOFT_KUBELET_OOM";
export const PULL_ERROR_SUFFIX = ":pull-error";

export interface SimulatedKubeletOptions {
  nodeName?: string;
  /** Watch only this namespace (default: all). */
  namespace?: string;
  /** Environment every container process starts from (default: this process's PATH and HOME). */
  baseEnv?: Record<string, string>;
  /** Upper bound of the termination grace period, so that tests never wait long (default 2 s). */
  maxGraceMs?: number;
  /** The node's labels, which pods' node selectors and required node affinities must match (default none). */
  nodeLabels?: Record<string, string>;
}

export interface SimulatedKubelet {
  readonly nodeName: string;
  /** Output (stdout + stderr) of a container so far. */
  logs(namespace: string, pod: string, container: string): string;
  /** Pods with a container process still running. */
  readonly running: number;
  stop(): Promise<void>;
}

interface ContainerRun {
  name: string;
  proc?: ChildProcess;
  output: string;
  oom: boolean;
  startedAt?: string;
  terminated?: Json;
  waiting?: Json;
}

interface PodRun {
  namespace: string;
  name: string;
  initContainers: ContainerRun[];
  containers: ContainerRun[];
  /** emptyDir volumes: name → their directory. */
  volumes: Map<string, string>;
  /** The symbolic links of the volume mounts, removed with the pod. */
  mounts: string[];
  deleting: boolean;
  /** Serializes this pod's status writes. */
  writes: Promise<void>;
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

function podKey(p: KubeObject): string {
  return `${p.metadata.namespace}/${p.metadata.name}`;
}

function meets(labels: Record<string, string>, r: Json): boolean {
  const v = labels[r["key"]];
  const values = (r["values"] ?? []) as string[];
  switch (r["operator"]) {
    case "In":
      return v !== undefined && values.includes(v);
    case "NotIn":
      return v === undefined || !values.includes(v);
    case "Exists":
      return v !== undefined;
    case "DoesNotExist":
      return v === undefined;
    case "Gt":
      return v !== undefined && Number(v) > Number(values[0]);
    case "Lt":
      return v !== undefined && Number(v) < Number(values[0]);
    default:
      return false;
  }
}

/** Whether a node with `labels` fits the pod's node selector and required node affinity (terms ORed, expressions ANDed). */
function nodeFits(labels: Record<string, string>, spec: Json): boolean {
  const selector = (spec["nodeSelector"] ?? {}) as Record<string, string>;
  if (Object.entries(selector).some(([k, v]) => labels[k] !== v)) return false;
  const terms = spec["affinity"]?.["nodeAffinity"]?.["requiredDuringSchedulingIgnoredDuringExecution"]?.[
    "nodeSelectorTerms"
  ] as Json[] | undefined;
  if (!terms || terms.length === 0) return true;
  return terms.some((t) => ((t["matchExpressions"] ?? []) as Json[]).every((r) => meets(labels, r)));
}

export async function startSimulatedKubelet(
  api: KubeApi,
  options: SimulatedKubeletOptions = {},
): Promise<SimulatedKubelet> {
  const nodeName = options.nodeName ?? "aloft-sim-node";
  const baseEnv: Record<string, string> = options.baseEnv ?? {};
  if (!options.baseEnv) {
    for (const k of ["PATH", "HOME"]) if (process.env[k] !== undefined) baseEnv[k] = process.env[k]!;
  }
  const maxGraceMs = options.maxGraceMs ?? 2000;
  const nodeLabels = options.nodeLabels ?? {};
  /** Pods already reported unschedulable (the scheduler's event and condition are written once). */
  const unschedulable = new Set<string>();

  /** Records a Warning event about a pod, as the scheduler and the kubelet do. */
  const warn = async (pod: KubeObject, reason: string, message: string, component: string): Promise<void> => {
    const at = now();
    await api
      .create(resources.events, {
        metadata: {
          name: `${pod.metadata.name}.${Date.now().toString(16)}${Math.random().toString(16).slice(2, 8)}`,
          namespace: pod.metadata.namespace!,
        },
        involvedObject: {
          kind: "Pod",
          apiVersion: "v1",
          namespace: pod.metadata.namespace,
          name: pod.metadata.name,
          uid: pod.metadata.uid,
        },
        type: "Warning",
        reason,
        message,
        count: 1,
        firstTimestamp: at,
        lastTimestamp: at,
        source: component === "kubelet" ? { component, host: nodeName } : { component },
        reportingComponent: component,
      })
      .catch(() => undefined);
  };
  const runs = new Map<string, PodRun>();
  const logs = new Map<string, string>();
  let stopped = false;
  let handle: WatchHandle | undefined;

  const writeStatus = (run: PodRun, status: Json): void => {
    run.writes = run.writes
      .then(async () => {
        await api.patch(resources.pods, run.name, { status }, { namespace: run.namespace, subresource: "status" });
      })
      .catch(() => undefined); // the pod may be gone already
  };

  const containerStatuses = (list: ContainerRun[], initializing: boolean): Json[] =>
    list.map((c) => ({
      name: c.name,
      image: "simulated",
      ready: c.proc !== undefined && c.terminated === undefined,
      restartCount: 0,
      state: c.terminated
        ? { terminated: c.terminated }
        : c.waiting
          ? { waiting: c.waiting }
          : c.startedAt
            ? { running: { startedAt: c.startedAt } }
            : { waiting: { reason: initializing ? "PodInitializing" : "ContainerCreating" } },
    }));

  const report = (run: PodRun): void => {
    const all = run.containers;
    const initFailed = run.initContainers.some((c) => c.terminated && c.terminated["exitCode"] !== 0);
    const initializing = !initFailed && run.initContainers.some((c) => !c.terminated);
    const done = all.every((c) => c.terminated);
    const phase = initFailed
      ? "Failed"
      : done
        ? all.every((c) => c.terminated!["exitCode"] === 0)
          ? "Succeeded"
          : "Failed"
        : all.some((c) => c.startedAt)
          ? "Running"
          : "Pending";
    writeStatus(run, {
      phase,
      hostIP: "127.0.0.1",
      conditions: [
        { type: "PodScheduled", status: "True", lastTransitionTime: now() },
        { type: "Ready", status: phase === "Running" ? "True" : "False", lastTransitionTime: now() },
      ],
      ...(run.initContainers.length > 0 ? { initContainerStatuses: containerStatuses(run.initContainers, false) } : {}),
      containerStatuses: containerStatuses(all, initializing || initFailed),
    });
  };

  async function environment(pod: KubeObject, c: Json): Promise<Record<string, string>> {
    const env: Record<string, string> = { ...baseEnv };
    for (const e of (c["env"] ?? []) as Json[]) {
      if (e["value"] !== undefined) env[e["name"]] = String(e["value"]);
      const field = e["valueFrom"]?.["fieldRef"]?.["fieldPath"] as string | undefined;
      if (field !== undefined) {
        const value = downward(pod, field);
        if (value === undefined) throw new Error(`unsupported fieldRef ${field}`);
        env[e["name"]] = value;
      }
      const ref = e["valueFrom"]?.["secretKeyRef"] as Json | undefined;
      if (ref) {
        try {
          const secret = await api.get(resources.secrets, ref["name"], { namespace: pod.metadata.namespace });
          const data = secret["data"]?.[ref["key"]] as string | undefined;
          if (data !== undefined) env[e["name"]] = Buffer.from(data, "base64").toString("utf8");
        } catch (err) {
          if (!ref["optional"]) throw err;
        }
      }
    }
    return env;
  }

  function downward(pod: KubeObject, field: string): string | undefined {
    const spec = (pod["spec"] ?? {}) as Json;
    const fields: Record<string, string | undefined> = {
      "metadata.name": pod.metadata.name,
      "metadata.namespace": pod.metadata.namespace,
      "metadata.uid": pod.metadata.uid,
      "spec.nodeName": spec["nodeName"] ?? nodeName,
      "spec.serviceAccountName": spec["serviceAccountName"] ?? "default",
    };
    return fields[field];
  }

  /** The container's volume mounts as symbolic links to the pod's emptyDir directories. */
  async function mountVolumes(run: PodRun, spec: Json): Promise<void> {
    for (const m of (spec["volumeMounts"] ?? []) as Json[]) {
      const dir = run.volumes.get(m["name"]);
      if (dir === undefined) continue; // other volume kinds are not simulated
      const at = String(m["mountPath"]);
      await mkdir(dirname(at), { recursive: true });
      await rm(at, { force: true });
      await symlink(dir, at);
      run.mounts.push(at);
    }
  }

  function runContainer(run: PodRun, pod: KubeObject, spec: Json, c: ContainerRun, onExit?: () => void): void {
    if (String(spec["image"] ?? "").endsWith(PULL_ERROR_SUFFIX)) {
      const image = String(spec["image"]);
      c.waiting = { reason: "ImagePullBackOff", message: `Back-off pulling image "${image}"` };
      // The events are recorded before the status that reports the wait (report() queues behind run.writes).
      run.writes = run.writes
        .then(() => warn(pod, "Failed", `Failed to pull image "${image}": manifest unknown`, "kubelet"))
        .then(() => warn(pod, "BackOff", `Back-off pulling image "${image}"`, "kubelet"));
      return;
    }
    const argv = [...((spec["command"] ?? []) as string[]), ...((spec["args"] ?? []) as string[])];
    if (argv.length === 0) {
      // A real kubelet would run the image's entrypoint; the simulation has no images.
      const message = "the simulated kubelet runs no image entrypoints: give the container a command";
      c.terminated = { exitCode: 128, reason: "StartError", message, finishedAt: now() };
      return;
    }
    void Promise.all([environment(pod, spec), mountVolumes(run, spec)]).then(
      ([env]) => {
        if (run.deleting) return;
        const proc = spawn(argv[0]!, argv.slice(1), { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
        c.proc = proc;
        c.startedAt = now();
        const key = `${run.namespace}/${run.name}/${c.name}`;
        const onData = (chunk: Buffer) => {
          c.output += chunk.toString("utf8");
          logs.set(key, c.output);
          if (!c.oom && c.output.split("\n").includes(OOM_MARKER)) {
            c.oom = true;
            signal(proc, "SIGKILL");
          }
        };
        proc.stdout!.on("data", onData);
        proc.stderr!.on("data", onData);
        proc.on("error", (err) => {
          c.output += String(err);
          c.terminated = { exitCode: 128, reason: "StartError", message: String(err), finishedAt: now() };
          report(run);
        });
        proc.on("close", (code, sig) => {
          const exitCode = code ?? (sig === "SIGKILL" ? 137 : sig === "SIGTERM" ? 143 : 1);
          const reason = c.oom ? "OOMKilled" : exitCode === 0 ? "Completed" : "Error";
          c.terminated = {
            exitCode,
            reason,
            startedAt: c.startedAt,
            finishedAt: now(),
            ...(exitCode !== 0 ? { message: c.output.split("\n").slice(-20).join("\n").trim() } : {}),
          };
          report(run);
          onExit?.();
        });
        report(run);
      },
      (err: unknown) => {
        c.waiting = { reason: "CreateContainerConfigError", message: String(err) };
        report(run);
      },
    );
  }

  function signal(proc: ChildProcess | undefined, sig: NodeJS.Signals): void {
    if (proc?.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    try {
      process.kill(-proc.pid, sig);
    } catch {
      // already gone
    }
  }

  async function start(pod: KubeObject): Promise<void> {
    const spec = (pod["spec"] ?? {}) as Json;
    const runsOf = (list: unknown) =>
      ((list ?? []) as Json[]).map((c): ContainerRun => ({ name: c["name"], output: "", oom: false }));
    const run: PodRun = {
      namespace: pod.metadata.namespace!,
      name: pod.metadata.name!,
      initContainers: runsOf(spec["initContainers"]),
      containers: runsOf(spec["containers"]),
      volumes: new Map(),
      mounts: [],
      deleting: false,
      writes: Promise.resolve(),
    };
    runs.set(podKey(pod), run);
    for (const v of (spec["volumes"] ?? []) as Json[]) {
      if (!v["emptyDir"]) continue;
      const made = await mkdtemp(join(tmpdir(), "aloft-kubelet-emptydir-"));
      // Deleted meanwhile: terminate() has already cleaned up what it saw.
      if (run.deleting || stopped) return void (await rm(made, { recursive: true, force: true }));
      run.volumes.set(v["name"], made);
    }
    const inits = (spec["initContainers"] ?? []) as Json[];
    const specs = (spec["containers"] ?? []) as Json[];
    const next = (i: number): void => {
      if (run.deleting) return;
      if (i < inits.length) {
        const c = run.initContainers[i]!;
        runContainer(run, pod, inits[i]!, c, () => {
          if (c.terminated?.["exitCode"] === 0) next(i + 1);
        });
        if (c.terminated) report(run); // it could not start: the pod has failed
        return;
      }
      for (const [j, c] of specs.entries()) runContainer(run, pod, c, run.containers[j]!);
      report(run);
    };
    next(0);
    report(run);
  }

  async function terminate(run: PodRun, graceSeconds: number, confirm: boolean): Promise<void> {
    if (run.deleting) return;
    run.deleting = true;
    const live = () => [...run.initContainers, ...run.containers].filter((c) => c.proc && !c.terminated);
    for (const c of live()) signal(c.proc, "SIGTERM");
    const deadline = Date.now() + Math.min(graceSeconds * 1000, maxGraceMs);
    while (live().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const c of live()) signal(c.proc, "SIGKILL");
    while (live().length > 0) await new Promise((r) => setTimeout(r, 10));
    await run.writes;
    if (confirm) {
      await api
        .delete(resources.pods, run.name, { namespace: run.namespace, gracePeriodSeconds: 0 })
        .catch(() => undefined);
    }
    runs.delete(`${run.namespace}/${run.name}`);
    for (const at of run.mounts) await rm(at, { force: true }).catch(() => undefined);
    for (const dir of run.volumes.values()) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }

  const onPod = (type: string, pod: KubeObject): void => {
    if (stopped) return;
    const key = podKey(pod);
    const spec = (pod["spec"] ?? {}) as Json;
    if (type === "DELETED") {
      unschedulable.delete(key);
      const run = runs.get(key);
      if (run) void terminate(run, 0, false);
      return;
    }
    if (!spec["nodeName"]) {
      if (pod.metadata.deletionTimestamp) return;
      const scheduler = spec["schedulerName"] ?? "default-scheduler";
      if (scheduler !== "default-scheduler") return;
      if (!nodeFits(nodeLabels, spec)) {
        if (unschedulable.has(key)) return;
        unschedulable.add(key);
        const message = "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.";
        void warn(pod, "FailedScheduling", message, "default-scheduler")
          .then(() =>
            api.patch(
              resources.pods,
              pod.metadata.name!,
              {
                status: {
                  phase: "Pending",
                  conditions: [
                    {
                      type: "PodScheduled",
                      status: "False",
                      reason: "Unschedulable",
                      message,
                      lastTransitionTime: now(),
                    },
                  ],
                },
              },
              { namespace: pod.metadata.namespace!, subresource: "status" },
            ),
          )
          .catch(() => undefined);
        return;
      }
      void api
        .patch(resources.pods, pod.metadata.name!, { spec: { nodeName } }, { namespace: pod.metadata.namespace! })
        .catch(() => undefined);
      return;
    }
    if (spec["nodeName"] !== nodeName) return;
    const run = runs.get(key);
    if (pod.metadata.deletionTimestamp) {
      if (run) void terminate(run, pod.metadata.deletionGracePeriodSeconds ?? 30, true);
      else
        void api
          .delete(resources.pods, pod.metadata.name!, { namespace: pod.metadata.namespace!, gracePeriodSeconds: 0 })
          .catch(() => undefined);
      return;
    }
    if (!run && !["Succeeded", "Failed"].includes(pod["status"]?.["phase"])) void start(pod);
  };

  const watch = async (): Promise<void> => {
    handle = await api.watch(resources.pods, options.namespace ? { namespace: options.namespace } : {}, (e) => {
      if (e.type === "ADDED" || e.type === "MODIFIED" || e.type === "DELETED") onPod(e.type, e.object);
    });
    void handle.closed.then(() => {
      if (!stopped) void watch();
    });
  };
  await watch();

  return {
    nodeName,
    logs: (namespace, pod, container) => logs.get(`${namespace}/${pod}/${container}`) ?? "",
    get running() {
      return [...runs.values()].filter((r) =>
        [...r.initContainers, ...r.containers].some((c) => c.proc && !c.terminated),
      ).length;
    },
    async stop() {
      stopped = true;
      handle?.stop();
      await Promise.all([...runs.values()].map((r) => terminate(r, 0, false)));
    },
  };
}
