// What the real API server does on each write, for any kind: names and generateName, uid, creationTimestamp,
// resourceVersion, generation bumped on spec changes only, the status subresource split, optimistic concurrency (409),
// finalizers and deletionTimestamp, graceful deletion of pods bound to a node (the kubelet finishes it), namespaces
// that must exist and terminate with their content, and CRDs that register their kinds.
import { randomUUID } from "node:crypto";
import { apiVersionOf } from "../resources.ts";
import type { KubeObject } from "../types.ts";
import { ApiFailure, alreadyExists, badRequest, conflict, invalid, notFound } from "./failure.ts";
import { GarbageCollector } from "./garbage-collector.ts";
import { Registry, type ServedKind } from "./registry.ts";
import type { Store } from "./store.ts";

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export const timestamp = (d: Date) => d.toISOString().replace(/\.\d+Z$/, "Z");

function randomSuffix(): string {
  let s = "";
  for (let i = 0; i < 5; i++) s += SUFFIX_ALPHABET[Math.floor(Math.random() * SUFFIX_ALPHABET.length)];
  return s;
}

/** The part of an object whose change bumps metadata.generation. */
function specPart(kind: ServedKind, obj: KubeObject): string {
  const { metadata: _m, status, apiVersion: _a, kind: _k, ...rest } = obj;
  return JSON.stringify(kind.statusSubresource ? rest : { ...rest, status });
}

export interface DeleteRequest {
  propagationPolicy?: string;
  preconditions?: { uid?: string; resourceVersion?: string };
  gracePeriodSeconds?: number;
}

export class ApiObjects {
  readonly gc: GarbageCollector;

  constructor(
    readonly store: Store,
    readonly registry: Registry,
    private readonly now: () => Date,
  ) {
    this.gc = new GarbageCollector(this);
  }

  kindOfStorage(storage: string): ServedKind | undefined {
    return this.registry.all().find((k) => `${k.group}/${k.plural}` === storage);
  }

  private checkNamespace(kind: ServedKind, namespace: string | undefined): void {
    if (!kind.namespaced) return;
    const ns = this.store.get(this.registry.find("", "v1", "namespaces")!, undefined, namespace ?? "");
    if (!ns)
      throw new ApiFailure(404, "NotFound", `namespaces "${namespace}" not found`, {
        name: namespace,
        kind: "namespaces",
      });
    if (ns.metadata.deletionTimestamp) {
      throw new ApiFailure(
        403,
        "Forbidden",
        `${kind.plural} "${"name"}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  }

  /** The object as this kind's version shows it. */
  view(kind: ServedKind, obj: KubeObject): KubeObject {
    return { ...obj, apiVersion: apiVersionOf(kind), kind: kind.kind };
  }

  create(kind: ServedKind, namespace: string | undefined, body: KubeObject, dryRun = false): KubeObject {
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("the body is not an object");
    if (body.kind !== undefined && body.kind !== kind.kind) {
      throw badRequest(`the kind of the object (${body.kind}) does not match the request (${kind.kind})`);
    }
    const meta = { ...(body.metadata ?? {}) };
    if (kind.namespaced) {
      if (meta.namespace && meta.namespace !== namespace) {
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      meta.namespace = namespace;
    } else delete meta.namespace;
    if (meta.resourceVersion) throw badRequest("resourceVersion should not be set on objects to be created");
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
    if (!meta.name) throw invalid(kind, "", "metadata.name: Required value: name or generateName is required");
    if (meta.name.length > 253 || !NAME.test(meta.name)) {
      throw invalid(
        kind,
        meta.name,
        `metadata.name: Invalid value: "${meta.name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`,
      );
    }
    this.checkNamespace(kind, namespace);
    if (this.store.get(kind, namespace, meta.name)) throw alreadyExists(kind, meta.name);
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    const obj: KubeObject = {
      ...structuredClone(body),
      apiVersion: apiVersionOf(kind),
      kind: kind.kind,
      metadata: meta,
    };
    meta.uid = randomUUID();
    meta.creationTimestamp = timestamp(this.now());
    meta.generation = 1;
    this.prepareCreate(kind, obj);
    if (dryRun) return obj;
    meta.resourceVersion = this.store.nextVersion();
    this.store.put(kind, obj, undefined);
    if (kind.plural === "customresourcedefinitions" && kind.group === "apiextensions.k8s.io") this.establish(obj);
    return this.view(kind, obj);
  }

  private prepareCreate(kind: ServedKind, obj: KubeObject): void {
    if (kind.custom && kind.statusSubresource) delete obj.status;
    if (kind.group === "" && kind.plural === "pods") obj.status = { phase: "Pending", ...(obj.status ?? {}) };
    if (kind.group === "" && kind.plural === "namespaces") {
      obj.spec = { finalizers: ["kubernetes"] };
      obj.status = { phase: "Active" };
    }
    if (kind.plural === "customresourcedefinitions" && kind.group === "apiextensions.k8s.io") {
      const spec = obj.spec ?? {};
      if (obj.metadata.name !== `${spec.names?.plural}.${spec.group}`) {
        throw invalid(
          kind,
          obj.metadata.name!,
          `metadata.name: Invalid value: must be spec.names.plural+"."+spec.group`,
        );
      }
    }
  }

  /** As the apiextensions controllers: the CRD's kinds are served and its conditions say so. */
  private establish(crd: KubeObject): void {
    for (const k of Registry.kindsOfCrd(crd)) this.registry.add(k);
    const kind = this.registry.find("apiextensions.k8s.io", "v1", "customresourcedefinitions")!;
    const at = timestamp(this.now());
    const status = {
      acceptedNames: crd.spec?.names ?? {},
      storedVersions: (crd.spec?.versions ?? [])
        .filter((v: { storage?: boolean }) => v.storage)
        .map((v: { name: string }) => v.name),
      conditions: [
        {
          type: "NamesAccepted",
          status: "True",
          reason: "NoConflicts",
          message: "no conflicts found",
          lastTransitionTime: at,
        },
        {
          type: "Established",
          status: "True",
          reason: "InitialNamesAccepted",
          message: "the initial names have been accepted",
          lastTransitionTime: at,
        },
      ],
    };
    const next = { ...crd, status, metadata: { ...crd.metadata, resourceVersion: this.store.nextVersion() } };
    this.store.put(kind, next, crd);
  }

  /**
   * PUT (and the write of every patch): `body` replaces the object, or only its status on the status subresource.
   * A stale metadata.resourceVersion is a 409 Conflict; custom resources require one.
   */
  update(
    kind: ServedKind,
    namespace: string | undefined,
    name: string,
    body: KubeObject,
    status = false,
    dryRun = false,
  ): KubeObject {
    const cur = this.store.get(kind, namespace, name);
    if (!cur) throw notFound(kind, name);
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("the body is not an object");
    const meta = body.metadata ?? {};
    if (meta.name !== undefined && meta.name !== name) {
      throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    }
    if (!meta.resourceVersion) {
      if (kind.custom)
        throw invalid(kind, name, "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update");
    } else if (meta.resourceVersion !== cur.metadata.resourceVersion) {
      throw conflict(
        kind,
        name,
        "the object has been modified; please apply your changes to the latest version and try again",
      );
    }
    let next: KubeObject;
    if (status) {
      next = { ...cur, status: structuredClone(body.status) };
    } else {
      next = { ...structuredClone(body), apiVersion: cur.apiVersion, kind: cur.kind };
      if (kind.statusSubresource) next.status = cur.status;
      next.metadata = {
        ...meta,
        name: cur.metadata.name,
        namespace: cur.metadata.namespace,
        uid: cur.metadata.uid,
        creationTimestamp: cur.metadata.creationTimestamp,
        deletionTimestamp: cur.metadata.deletionTimestamp,
        deletionGracePeriodSeconds: cur.metadata.deletionGracePeriodSeconds,
        generation: cur.metadata.generation,
        generateName: cur.metadata.generateName,
      };
      for (const k of Object.keys(next.metadata) as (keyof KubeObject["metadata"])[]) {
        if (next.metadata[k] === undefined) delete next.metadata[k];
      }
      if (cur.metadata.deletionTimestamp) {
        const before = new Set(cur.metadata.finalizers ?? []);
        const added = (next.metadata.finalizers ?? []).filter((f: string) => !before.has(f));
        if (added.length)
          throw invalid(
            kind,
            name,
            `metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
          );
      }
      if (specPart(kind, next) !== specPart(kind, cur)) next.metadata.generation = (cur.metadata.generation ?? 0) + 1;
    }
    next.metadata.resourceVersion = cur.metadata.resourceVersion;
    if (JSON.stringify(next) === JSON.stringify(cur)) return this.view(kind, cur);
    if (dryRun) return this.view(kind, next);
    next.metadata.resourceVersion = this.store.nextVersion();
    this.store.put(kind, next, cur);
    if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length && !this.awaitsKubelet(kind, next)) {
      return this.view(kind, this.finish(kind, next));
    }
    return this.view(kind, next);
  }

  /** A pod bound to a node stays, marked, until its kubelet confirms with a delete of grace period 0. */
  private awaitsKubelet(kind: ServedKind, obj: KubeObject): boolean {
    return (
      kind.group === "" &&
      kind.plural === "pods" &&
      !!obj.spec?.nodeName &&
      (obj.metadata.deletionGracePeriodSeconds ?? 0) > 0
    );
  }

  /** Removes an object whose deletion has nothing left to wait for. */
  finish(kind: ServedKind, obj: KubeObject): KubeObject {
    const last = this.store.remove(kind, obj);
    if (kind.plural === "customresourcedefinitions" && kind.group === "apiextensions.k8s.io") {
      for (const k of Registry.kindsOfCrd(obj)) this.store.dropKind(k);
      this.registry.removeCrd(obj);
    }
    this.gc.schedule();
    return last;
  }

  /** DELETE: gone now, or marked with a deletionTimestamp while finalizers (or a kubelet) remain. */
  delete(
    kind: ServedKind,
    namespace: string | undefined,
    name: string,
    req: DeleteRequest = {},
  ): { object: KubeObject; gone: boolean } {
    const cur = this.store.get(kind, namespace, name);
    if (!cur) throw notFound(kind, name);
    const pre = req.preconditions ?? {};
    if (pre.uid && pre.uid !== cur.metadata.uid) {
      throw conflict(
        kind,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.metadata.uid}`,
      );
    }
    if (pre.resourceVersion && pre.resourceVersion !== cur.metadata.resourceVersion) {
      throw conflict(
        kind,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.metadata.resourceVersion}`,
      );
    }
    const policy = req.propagationPolicy ?? "Background";
    if (!["Background", "Foreground", "Orphan"].includes(policy)) {
      throw badRequest(`propagationPolicy: Unsupported value: "${policy}"`);
    }
    if (policy === "Orphan") this.gc.orphanDependents(cur.metadata.uid!);
    const finalizers = [...(cur.metadata.finalizers ?? [])];
    if (policy === "Foreground" && !finalizers.includes("foregroundDeletion")) finalizers.push("foregroundDeletion");
    if (kind.group === "" && kind.plural === "namespaces") finalizers.push(...(cur.spec?.finalizers ?? []));
    const pod = kind.group === "" && kind.plural === "pods" && !!cur.spec?.nodeName;
    const grace = pod ? (req.gracePeriodSeconds ?? cur.spec?.terminationGracePeriodSeconds ?? 30) : 0;
    if (cur.metadata.deletionTimestamp) {
      if (pod && grace === 0 && !cur.metadata.finalizers?.length) return { object: this.finish(kind, cur), gone: true };
      return { object: this.view(kind, cur), gone: false };
    }
    if (finalizers.length === 0 && grace === 0) return { object: this.finish(kind, cur), gone: true };
    const next = structuredClone(cur);
    next.metadata.deletionTimestamp = timestamp(this.now());
    next.metadata.deletionGracePeriodSeconds = grace;
    if (kind.group !== "" || kind.plural !== "namespaces") next.metadata.finalizers = finalizers;
    if (kind.group === "" && kind.plural === "namespaces") next.status = { ...next.status, phase: "Terminating" };
    next.metadata.generation = (cur.metadata.generation ?? 0) + 1;
    next.metadata.resourceVersion = this.store.nextVersion();
    this.store.put(kind, next, cur);
    this.gc.schedule();
    return { object: this.view(kind, next), gone: false };
  }
}
