// The engine's Kubernetes mode (`aloft engine --kubernetes`): the engine runs rounds over FlyteWorkflow resources
// (KubeWorkflowStore) only while this replica holds the Lease, so that two replicas never act on one workflow. On
// becoming leader: list and watch the resources, start the workers, start the garbage collector; on losing the lease
// (or at stop): stop all three — a new leader resumes from the statuses written so far (task processes and pods are
// adopted, events replayed idempotently). Upstream propeller exits the process instead; a stop here is the same for
// the resources, and lets a test run two replicas in one process.
import type { Logger } from "@aloft/core";
import { type KubeApi, LeaderElector, type LeaderElectionOptions } from "@aloft/kube";
import type { Engine } from "../controller/engine.ts";
import type { FlyteWorkflowGarbageCollector } from "./garbage-collector.ts";
import type { KubeWorkflowStore } from "./kube-workflow-store.ts";

export interface KubeEngineOptions {
  api: KubeApi;
  engine: Engine;
  store: KubeWorkflowStore;
  logger: Logger;
  /** Without it this replica always leads (a single replica). */
  leaderElection?: Omit<LeaderElectionOptions, "onStartedLeading" | "onStoppedLeading" | "logger">;
  gc?: { collector: FlyteWorkflowGarbageCollector; intervalMs: number };
}

export class KubeEngine {
  readonly #o: KubeEngineOptions;
  #elector: LeaderElector | undefined;
  #leading = false;
  /** Transitions run one after the other: a quick lose-and-win never overlaps a stop with a start. */
  #transition: Promise<void> = Promise.resolve();

  constructor(options: KubeEngineOptions) {
    this.#o = options;
  }

  /** Whether this replica is running rounds now. */
  isLeading(): boolean {
    return this.#leading;
  }

  start(): void {
    const le = this.#o.leaderElection;
    if (!le) {
      this.#enqueue(() => this.#lead());
      return;
    }
    this.#elector = new LeaderElector(this.#o.api, {
      ...le,
      logger: this.#o.logger,
      onStartedLeading: () => this.#enqueue(() => this.#lead()),
      onStoppedLeading: () => this.#enqueue(() => this.#follow()),
    });
    this.#elector.start();
  }

  /** Waits for the transitions queued so far (tests). */
  settled(): Promise<void> {
    return this.#transition;
  }

  /** Releases the lease (a follower takes over at once) and stops acting. */
  async stop(): Promise<void> {
    if (this.#elector) await this.#elector.stop();
    this.#enqueue(() => this.#follow());
    await this.#transition;
  }

  #enqueue(step: () => Promise<void>): void {
    this.#transition = this.#transition.then(step).catch((err: unknown) => {
      this.#o.logger.error({ err }, "engine leadership transition failed");
    });
  }

  async #lead(): Promise<void> {
    if (this.#leading) return;
    this.#leading = true;
    this.#o.logger.info("leading: running FlyteWorkflows");
    await this.#o.store.start();
    await this.#o.engine.start();
    this.#o.gc?.collector.start(this.#o.gc.intervalMs);
  }

  async #follow(): Promise<void> {
    if (!this.#leading) return;
    this.#leading = false;
    this.#o.logger.info("not leading: stopping rounds");
    await this.#o.gc?.collector.stop();
    await this.#o.engine.stop();
    await this.#o.store.stop();
  }
}
