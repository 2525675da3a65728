// The controllers of kube-controller-manager that deletion depends on, run in the background after each change:
// the garbage collector (dependents whose owners are all gone are deleted; foreground deletion waits for blocking
// dependents; orphaning strips owner references) and the namespace controller (a terminating namespace's content is
// deleted, then the namespace).
import type { KubeObject } from "../types.ts";
import type { ApiObjects } from "./objects.ts";
import { storageOf } from "./store.ts";

export class GarbageCollector {
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly objects: ApiObjects) {}

  /** Runs a sweep soon (after the current request has answered, as the real controllers run apart). */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.sweep();
      if (!this.scheduled) for (const w of this.idleWaiters.splice(0)) w();
    });
  }

  /** Resolves once no sweep is pending (tests). */
  idle(): Promise<void> {
    return this.scheduled ? new Promise((resolve) => this.idleWaiters.push(resolve)) : Promise.resolve();
  }

  orphanDependents(ownerUid: string): void {
    const { store } = this.objects;
    for (const [storage, obj] of [...store.all()]) {
      const refs = obj.metadata.ownerReferences ?? [];
      if (!refs.some((r) => r.uid === ownerUid)) continue;
      const kind = this.objects.kindOfStorage(storage);
      if (!kind) continue;
      const next = structuredClone(obj);
      next.metadata.ownerReferences = refs.filter((r) => r.uid !== ownerUid);
      if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
      next.metadata.resourceVersion = store.nextVersion();
      store.put(kind, next, obj);
    }
  }

  private sweep(): void {
    const { store } = this.objects;
    const snapshot = [...store.all()];
    const dependentsOf = new Map<string, [string, KubeObject][]>();
    for (const entry of snapshot) {
      for (const ref of entry[1].metadata.ownerReferences ?? []) {
        const list = dependentsOf.get(ref.uid) ?? [];
        list.push(entry);
        dependentsOf.set(ref.uid, list);
      }
    }
    for (const [storage, obj] of snapshot) {
      const kind = this.objects.kindOfStorage(storage);
      if (!kind) continue;
      const current = store.get(kind, obj.metadata.namespace, obj.metadata.name!);
      if (!current || current.metadata.uid !== obj.metadata.uid) continue;
      const refs = current.metadata.ownerReferences ?? [];
      if (refs.length > 0 && !current.metadata.deletionTimestamp && refs.every((r) => !store.existsUid(r.uid))) {
        this.objects.delete(kind, current.metadata.namespace, current.metadata.name!);
        continue;
      }
      if (!current.metadata.deletionTimestamp) continue;
      if (current.metadata.finalizers?.includes("foregroundDeletion")) {
        const dependents = (dependentsOf.get(current.metadata.uid!) ?? []).filter(([s, d]) => {
          const k = this.objects.kindOfStorage(s);
          return k && store.get(k, d.metadata.namespace, d.metadata.name!)?.metadata.uid === d.metadata.uid;
        });
        for (const [s, d] of dependents) {
          const k = this.objects.kindOfStorage(s)!;
          if (!d.metadata.deletionTimestamp)
            this.objects.delete(k, d.metadata.namespace, d.metadata.name!, { propagationPolicy: "Foreground" });
        }
        const blocking = dependents.some(([, d]) =>
          (d.metadata.ownerReferences ?? []).some((r) => r.uid === current.metadata.uid && r.blockOwnerDeletion),
        );
        if (!blocking) {
          const next = structuredClone(current);
          next.metadata.finalizers = (current.metadata.finalizers ?? []).filter((f) => f !== "foregroundDeletion");
          this.objects.update(kind, next.metadata.namespace, next.metadata.name!, next);
        }
      }
      if (kind.group === "" && kind.plural === "namespaces") this.terminateNamespace(current);
    }
  }

  private terminateNamespace(ns: KubeObject): void {
    const { store } = this.objects;
    let remaining = 0;
    for (const [storage, obj] of [...store.all()]) {
      if (obj.metadata.namespace !== ns.metadata.name) continue;
      remaining++;
      const kind = this.objects.kindOfStorage(storage);
      if (kind && !obj.metadata.deletionTimestamp)
        this.objects.delete(kind, obj.metadata.namespace, obj.metadata.name!, { gracePeriodSeconds: 0 });
    }
    // What remains waits on finalizers (or a kubelet); their removal runs another sweep.
    if (remaining > 0) return;
    const kind = this.objects.kindOfStorage(storageOf({ group: "", plural: "namespaces" }))!;
    if (!ns.metadata.finalizers?.length) this.objects.finish(kind, ns);
  }
}
