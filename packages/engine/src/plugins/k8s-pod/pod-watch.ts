// Prompt wake-ups from pod changes (upstream: propeller's pod informer enqueues the owning workflow on every update of
// a pod it owns). One watch over the pods the plugin creates (label `node-id` present) in every namespace, or one
// namespace; a change to a pod an attempt waits on wakes that attempt's execution. Polling alone stays correct:
// this only makes a finished pod noticed at once rather than at the next poll. The watch is restarted when it ends.
import type { KubeApi, ResourceType, WatchHandle } from "@aloft/kube";

const PODS: ResourceType = { group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true };

export class PodWatch {
  readonly #api: KubeApi;
  readonly #namespace: string | undefined;
  readonly #wakers = new Map<string, () => void>();
  #handle: WatchHandle | undefined;
  #starting: Promise<void> | undefined;
  #closed = false;

  constructor(api: KubeApi, namespace?: string) {
    this.#api = api;
    this.#namespace = namespace;
  }

  /** Wake `wake` on changes to pod `namespace/name` (starts the watch on first use). */
  track(namespace: string, name: string, wake: () => void): void {
    this.#wakers.set(`${namespace}/${name}`, wake);
    if (!this.#handle && !this.#starting && !this.#closed) this.#starting = this.#start();
  }

  untrack(namespace: string, name: string): void {
    this.#wakers.delete(`${namespace}/${name}`);
  }

  get tracked(): number {
    return this.#wakers.size;
  }

  async #start(): Promise<void> {
    try {
      const handle = await this.#api.watch(
        PODS,
        { ...(this.#namespace ? { namespace: this.#namespace } : {}), labelSelector: "node-id" },
        (e) => {
          if (e.type === "BOOKMARK" || e.type === "ERROR") return;
          this.#wakers.get(`${e.object.metadata.namespace}/${e.object.metadata.name}`)?.();
        },
      );
      this.#handle = handle;
      void handle.closed.then(() => this.#restart());
    } catch {
      this.#restart();
    } finally {
      this.#starting = undefined;
    }
  }

  #restart(): void {
    this.#handle = undefined;
    if (this.#closed) return;
    setTimeout(() => {
      if (!this.#closed && !this.#handle && !this.#starting) this.#starting = this.#start();
    }, 1000).unref();
  }

  close(): void {
    this.#closed = true;
    this.#handle?.stop();
    this.#handle = undefined;
    this.#wakers.clear();
  }
}
