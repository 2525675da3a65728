// One pass of the TrackingServer reconciler, level-triggered and idempotent: it compares what the spec wants with
// what exists and writes only the difference (the seed's rules, in its order: PVC, TLS Secret, Deployment, Service,
// ingress), then the status. Deletion: the finalizer stays until every owned child is gone, and is removed last.
import type { Clock, Logger } from "@aloft/core";
import { isNotFound, type KubeApi, type KubeObject, type ResourceType, resources } from "@aloft/kube";
import {
  deployment,
  ingressRoute,
  isOwnedBy,
  middleware,
  nginxIngress,
  persistentVolumeClaim,
  service,
  tlsSecret,
  wantsTlsSecret,
  wantsVolume,
} from "./children.ts";
import { type ConditionInput, condition, type DesiredStatus, nextStatus, sameJson } from "./conditions.ts";
import type { EventRecorder } from "./events.ts";
import type { Syncer, SyncResult } from "./sync.ts";
import { FINALIZER, type IngressController, type TrackingServer, traefikTypes, trackingServers } from "./types.ts";
import { parseServerUrl, validateSpec } from "./validate.ts";

export interface ReconcilerConfig {
  ingressController: IngressController;
  /** spec.ingressClassName of the nginx Ingress (unset: the cluster's default class). */
  ingressClassName?: string;
  /** The API group of Traefik's CRDs: traefik.io (Traefik ≥ 2.10) or traefik.containo.us (the seed's). */
  traefikGroup?: string;
}

export interface ReconcilerDeps {
  api: KubeApi;
  syncer: Syncer;
  events: EventRecorder;
  clock: Clock;
  logger: Logger;
  config: ReconcilerConfig;
}

export type Outcome =
  | { kind: "invalid"; message: string }
  | { kind: "synced"; ready: boolean; changes: string[] }
  /** Deletion: `done` false while owned children remain (retry with backoff). */
  | { kind: "deleting"; done: boolean };

const ok = (reason: string, message: string): ConditionInput => ({ status: "False", reason, message });
const yes = (reason: string, message: string): ConditionInput => ({ status: "True", reason, message });

/** The kinds of children the operator writes under `config` (the informers watch these). */
export function childTypes(config: ReconcilerConfig): ResourceType[] {
  const base = [resources.persistentVolumeClaims, resources.secrets, resources.deployments, resources.services];
  if (config.ingressController === "traefik") {
    const t = traefikTypes(config.traefikGroup ?? "traefik.io");
    return [...base, t.ingressRoutes, t.middlewares];
  }
  return [...base, resources.ingresses];
}

function deploymentAvailable(dep: KubeObject, replicas: number): boolean {
  if (replicas === 0) return true;
  const s = dep.status ?? {};
  return (
    (s.observedGeneration ?? 0) >= (dep.metadata.generation ?? 0) &&
    (s.updatedReplicas ?? 0) >= replicas &&
    (s.availableReplicas ?? 0) >= replicas
  );
}

export class Reconciler {
  constructor(private readonly deps: ReconcilerDeps) {}

  async reconcile(ts: TrackingServer): Promise<Outcome> {
    if (ts.metadata.deletionTimestamp) return this.finalize(ts);
    if (!(ts.metadata.finalizers ?? []).includes(FINALIZER)) ts = await this.addFinalizer(ts);
    const { events } = this.deps;
    const firstLook = ts.status?.observedGeneration !== ts.metadata.generation;
    const problems = validateSpec(ts.spec);
    if (problems.length > 0) {
      const message = `invalid spec: ${problems.join("; ")}`;
      if (firstLook || condition(ts.status, "Degraded")?.message !== message)
        events.warning(ts, "InvalidSpec", message);
      await this.writeStatus(ts, {
        ready: ok("InvalidSpec", "the spec is invalid; see Degraded"),
        progressing: ok("InvalidSpec", "waiting for a valid spec"),
        degraded: yes("InvalidSpec", message),
        url: undefined,
      });
      return { kind: "invalid", message };
    }
    if (firstLook && (ts.spec.aws_access_key || ts.spec.aws_secret_key)) {
      events.warning(
        ts,
        "DeprecatedCredentials",
        "spec.aws_access_key and spec.aws_secret_key are deprecated and visible to anyone who can read the resource: put them in a Secret and name it in spec.credentialsSecretRef",
      );
    }
    try {
      const { ready, changes } = await this.syncChildren(ts);
      if (changes.length > 0) events.normal(ts, "Synced", `TrackingServer synced: ${changes.join(", ")}`);
      await this.writeStatus(ts, {
        ready: ready
          ? yes("Available", `MLflow is available at ${ts.spec.url}`)
          : ok("DeploymentNotAvailable", `waiting for ${ts.spec.size} available replica(s)`),
        progressing: ready
          ? ok("Complete", "every child is up to date and available")
          : yes("RollingOut", `Deployment ${ts.metadata.name} is rolling out`),
        degraded: ok("AsExpected", "the last reconcile succeeded"),
        url: ts.spec.url,
      });
      return { kind: "synced", ready, changes };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      events.warning(ts, "FailedSync", `Failed to sync: ${message}`);
      await this.writeStatus(ts, {
        ready: ok("ReconcileFailed", "the last reconcile failed; see Degraded"),
        progressing: yes("Retrying", "retrying with backoff"),
        degraded: yes("ReconcileFailed", message),
        url: ts.spec.url,
      }).catch((e: unknown) => this.deps.logger.warn({ err: e }, "cannot write the status of a failed reconcile"));
      throw err;
    }
  }

  private async syncChildren(ts: TrackingServer): Promise<{ ready: boolean; changes: string[] }> {
    const { syncer, config } = this.deps;
    const name = ts.metadata.name!;
    const changes: string[] = [];
    const note = (type: ResourceType, r: SyncResult) => {
      if (r.result !== "unchanged") changes.push(`${r.result} ${type.kind} ${name}`);
      return r.object;
    };
    const absent = async (type: ResourceType) => {
      if (await syncer.ensureAbsent(type, name, ts)) changes.push(`deleted ${type.kind} ${name}`);
    };
    // 1. The PVC of MLflow's local database: only with volumeSize and storageClassName.
    if (wantsVolume(ts))
      note(
        resources.persistentVolumeClaims,
        await syncer.ensure(resources.persistentVolumeClaims, persistentVolumeClaim(ts), ts),
      );
    else await absent(resources.persistentVolumeClaims);
    // 2. The TLS Secret: only with cert and key.
    if (wantsTlsSecret(ts)) note(resources.secrets, await syncer.ensure(resources.secrets, tlsSecret(ts), ts));
    else await absent(resources.secrets);
    // 3, 4. Deployment and Service.
    const dep = note(resources.deployments, await syncer.ensure(resources.deployments, deployment(ts), ts));
    note(resources.services, await syncer.ensure(resources.services, service(ts), ts));
    // 5. Ingress TLS whenever a Secret of the TrackingServer's name exists (ours, or one the team made).
    const tls = wantsTlsSecret(ts) || !!(await syncer.read(resources.secrets, ts.metadata.namespace!, name));
    const url = parseServerUrl(ts.spec.url);
    if (config.ingressController === "traefik") {
      const t = traefikTypes(config.traefikGroup ?? "traefik.io");
      note(t.ingressRoutes, await syncer.ensure(t.ingressRoutes, ingressRoute(ts, url, tls), ts));
      if (url.path !== "") note(t.middlewares, await syncer.ensure(t.middlewares, middleware(ts, url), ts));
      else await absent(t.middlewares);
    } else {
      const ingress = nginxIngress(ts, url, tls, config.ingressClassName);
      note(resources.ingresses, await syncer.ensure(resources.ingresses, ingress, ts));
    }
    return { ready: deploymentAvailable(dep, ts.spec.size), changes };
  }

  private async addFinalizer(ts: TrackingServer): Promise<TrackingServer> {
    // The resourceVersion in the patch makes it conditional: a stale read is a conflict, not a lost finalizer list.
    const finalizers = [...(ts.metadata.finalizers ?? []), FINALIZER];
    return this.deps.api.patch<TrackingServer>(
      trackingServers,
      ts.metadata.name!,
      { metadata: { finalizers, resourceVersion: ts.metadata.resourceVersion } },
      { namespace: ts.metadata.namespace!, type: "merge" },
    );
  }

  private async finalize(ts: TrackingServer): Promise<Outcome> {
    if (!(ts.metadata.finalizers ?? []).includes(FINALIZER)) return { kind: "deleting", done: true };
    const { api, syncer, config, events } = this.deps;
    const name = ts.metadata.name!;
    const namespace = ts.metadata.namespace!;
    const types = childTypes(config).reverse();
    const deleted: string[] = [];
    for (const type of types) if (await syncer.ensureAbsent(type, name, ts)) deleted.push(type.kind);
    // Children with finalizers of their own (a PVC in use) linger: the finalizer stays until they are gone.
    for (const type of types) {
      try {
        const child = await api.get(type, name, { namespace });
        if (isOwnedBy(child, ts)) return { kind: "deleting", done: false };
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    await api.patch(
      trackingServers,
      name,
      {
        metadata: {
          finalizers: (ts.metadata.finalizers ?? []).filter((f) => f !== FINALIZER),
          resourceVersion: ts.metadata.resourceVersion,
        },
      },
      { namespace, type: "merge" },
    );
    if (deleted.length > 0) events.normal(ts, "CleanedUp", `deleted ${deleted.join(", ")} ${name}`);
    return { kind: "deleting", done: true };
  }

  private async writeStatus(ts: TrackingServer, want: DesiredStatus): Promise<void> {
    const next = nextStatus(ts.status, want, ts.metadata.generation ?? 0, this.deps.clock.now());
    if (sameJson(next, ts.status)) return;
    await this.deps.api.patch(
      trackingServers,
      ts.metadata.name!,
      { status: next },
      { namespace: ts.metadata.namespace!, subresource: "status", type: "merge" },
    );
  }
}
