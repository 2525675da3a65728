// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection: a candidate acquires the lease when
// it is free or its holder has not renewed within leaseDuration (measured on the candidate's own clock from when it
// last saw the record change, so clock skew between replicas does not matter); the leader renews every retryPeriod and
// steps down if it could not renew for renewDeadline; `stop()` releases the lease (holder cleared) so a follower takes
// over at once. Writes carry the resourceVersion read, so two candidates never both win.
import { type Clock, type Logger, systemClock } from "@aloft/core";
import { isAlreadyExists, isConflict, isNotFound } from "./errors.ts";
import type { KubeApi } from "./kube-api.ts";
import { resources } from "./resources.ts";
import type { KubeObject } from "./types.ts";

export interface LeaderElectionOptions {
  namespace: string;
  /** The Lease's name (one per elected component, e.g. `aloft-engine`). */
  name: string;
  /** This candidate (pod name + random suffix, as client-go recommends). */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
  logger?: Logger;
  /** Called when this candidate becomes leader; `signal` aborts when it stops leading. */
  onStartedLeading?(signal: AbortSignal): void;
  onStoppedLeading?(): void;
  /** Called whenever the observed leader changes (including to this candidate). */
  onNewLeader?(identity: string): void;
}

interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}

type Lease = KubeObject & { spec?: LeaseSpec };

/** MicroTime: RFC 3339 with microseconds, as the API server stores Lease times. */
const microTime = (d: Date) => d.toISOString().replace(/Z$/, "000Z");

export class LeaderElector {
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly clock: Clock;
  private observed: LeaseSpec | undefined;
  private observedAt = 0;
  private observedLease: Lease | undefined;
  private leading = false;
  private stopped = false;
  private leadership: AbortController | undefined;
  private sleeper: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
  private loop: Promise<void> | undefined;
  private lastLeader = "";

  constructor(
    private readonly api: KubeApi,
    private readonly options: LeaderElectionOptions,
  ) {
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    this.clock = options.clock ?? systemClock;
    if (this.leaseDurationMs <= this.renewDeadlineMs)
      throw new Error("leaseDuration must be greater than renewDeadline");
    if (this.renewDeadlineMs <= this.retryPeriodMs * 1.2)
      throw new Error("renewDeadline must be greater than retryPeriod*1.2");
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder this candidate last observed ("" when the lease is free). */
  getLeader(): string {
    return this.observed?.holderIdentity ?? "";
  }

  /** Campaigns in the background until `stop()`. */
  start(): void {
    if (this.loop) return;
    this.loop = this.run();
  }

  /** Steps down: releases the lease if held (a follower takes over at once) and ends the campaign. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
  }

  private wake(): void {
    if (this.sleeper) {
      clearTimeout(this.sleeper.timer);
      this.sleeper.resolve();
      this.sleeper = undefined;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.sleeper = { timer: setTimeout(resolve, ms), resolve };
    });
  }

  private jittered(): number {
    return this.retryPeriodMs * (1 + Math.random() * 1.2);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      // Acquire.
      while (!this.stopped && !(await this.tryAcquireOrRenew())) await this.sleep(this.jittered());
      if (this.stopped) break;
      this.leading = true;
      this.leadership = new AbortController();
      this.options.logger?.info({ lease: this.options.name, identity: this.options.identity }, "became leader");
      this.options.onStartedLeading?.(this.leadership.signal);
      // Renew until a renewal deadline passes without success, or stop.
      let lastRenew = this.clock.now().getTime();
      while (!this.stopped) {
        await this.sleep(this.retryPeriodMs);
        if (this.stopped) break;
        if (await this.tryAcquireOrRenew()) lastRenew = this.clock.now().getTime();
        else if (this.clock.now().getTime() - lastRenew >= this.renewDeadlineMs) break;
      }
      if (this.stopped) await this.release();
      this.leading = false;
      this.leadership.abort();
      this.options.logger?.info({ lease: this.options.name, identity: this.options.identity }, "stopped leading");
      this.options.onStoppedLeading?.();
    }
  }

  private observe(spec: LeaseSpec, lease: Lease): void {
    if (JSON.stringify(spec) !== JSON.stringify(this.observed)) {
      this.observed = spec;
      this.observedAt = this.clock.now().getTime();
    }
    this.observedLease = lease;
    const holder = spec.holderIdentity ?? "";
    if (holder !== this.lastLeader) {
      this.lastLeader = holder;
      if (holder) this.options.onNewLeader?.(holder);
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const now = this.clock.now();
    const wanted: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    let lease: Lease;
    try {
      lease = await this.api.get<Lease>(resources.leases, name, { namespace });
    } catch (err) {
      if (!isNotFound(err)) {
        this.options.logger?.warn({ err, lease: name }, "cannot read the lease");
        return false;
      }
      try {
        const created = await this.api.create<Lease>(resources.leases, { metadata: { name, namespace }, spec: wanted });
        this.observe(created.spec ?? {}, created);
        return true;
      } catch (e) {
        if (!isAlreadyExists(e)) this.options.logger?.warn({ err: e, lease: name }, "cannot create the lease");
        return false;
      }
    }
    const spec = lease.spec ?? {};
    this.observe(spec, lease);
    const holder = spec.holderIdentity ?? "";
    const valid = this.observedAt + (spec.leaseDurationSeconds ?? 0) * 1000 > now.getTime();
    if (holder !== "" && holder !== identity && valid) return false;
    if (holder === identity) {
      wanted.acquireTime = spec.acquireTime ?? wanted.acquireTime;
      wanted.leaseTransitions = spec.leaseTransitions ?? 0;
    } else wanted.leaseTransitions = (spec.leaseTransitions ?? 0) + 1;
    try {
      const updated = await this.api.update<Lease>(resources.leases, { ...lease, spec: { ...spec, ...wanted } });
      this.observe(updated.spec ?? {}, updated);
      return true;
    } catch (err) {
      if (!isConflict(err)) this.options.logger?.warn({ err, lease: name }, "cannot update the lease");
      return false;
    }
  }

  /** As client-go's ReleaseOnCancel: the holder is cleared so that a follower need not wait for the lease to expire. */
  private async release(): Promise<void> {
    const lease = this.observedLease;
    if (!lease || lease.spec?.holderIdentity !== this.options.identity) return;
    const now = microTime(this.clock.now());
    try {
      const spec = { ...lease.spec, holderIdentity: null, leaseDurationSeconds: 1, renewTime: now, acquireTime: now };
      await this.api.update<Lease>(resources.leases, { ...lease, spec });
    } catch (err) {
      this.options.logger?.warn({ err, lease: this.options.name }, "cannot release the lease");
    }
  }
}

/**
 * Releases the lease on the first SIGTERM or SIGINT of `proc` (a process-like emitter, injected), then calls `exit`.
 * Returns the uninstaller.
 */
export function releaseOnSignals(
  elector: LeaderElector,
  proc: Pick<NodeJS.Process, "once" | "off">,
  exit: () => void,
  signals: NodeJS.Signals[] = ["SIGTERM", "SIGINT"],
): () => void {
  const onSignal = () => {
    uninstall();
    elector.stop().then(exit, exit);
  };
  const uninstall = () => {
    for (const s of signals) proc.off(s, onSignal);
  };
  for (const s of signals) proc.once(s, onSignal);
  return uninstall;
}
