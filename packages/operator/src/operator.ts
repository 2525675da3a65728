// The operator as a replica runs it: a Lease election, and the controller running only while this replica leads.
// When leadership is lost the controller stops and `onLostLeadership` is called (the process exits there, as
// controller-runtime's managers do, so that a restarted replica starts from a clean cache).
import { type Clock, type Logger, silentLogger, systemClock } from "@aloft/core";
import { type KubeApi, LeaderElector } from "@aloft/kube";
import { type ControllerOptions, TrackingServerController } from "./controller.ts";

export interface OperatorOptions extends Omit<ControllerOptions, "api" | "identity" | "clock" | "logger"> {
  api: KubeApi;
  /** This replica (pod name + random suffix). */
  identity: string;
  /** Where the Lease lives. */
  leaseNamespace: string;
  /** Default aloft-trackingserver-operator. */
  leaseName?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
  logger?: Logger;
  onLostLeadership?(): void;
}

export interface Operator {
  readonly controller: TrackingServerController;
  readonly elector: LeaderElector;
  isLeader(): boolean;
  /** The controller's informers have listed (a follower counts as ready: it is waiting, healthy). */
  isReady(): boolean;
  start(): void;
  stop(): Promise<void>;
}

export function createOperator(options: OperatorOptions): Operator {
  const logger = options.logger ?? silentLogger();
  const clock = options.clock ?? systemClock;
  const controller = new TrackingServerController({ ...options, logger, clock, identity: options.identity });
  let controllerReady = false;
  let stopping = false;
  let started: Promise<void> = Promise.resolve();
  const elector = new LeaderElector(options.api, {
    namespace: options.leaseNamespace,
    name: options.leaseName ?? "aloft-trackingserver-operator",
    identity: options.identity,
    leaseDurationMs: options.leaseDurationMs,
    renewDeadlineMs: options.renewDeadlineMs,
    retryPeriodMs: options.retryPeriodMs,
    clock,
    logger,
    onStartedLeading: () => {
      started = controller.start().then(
        () => {
          controllerReady = true;
        },
        (err: unknown) => logger.error({ err }, "the controller did not start"),
      );
    },
    onStoppedLeading: () => {
      controllerReady = false;
      void started.then(() => controller.stop());
      if (!stopping) options.onLostLeadership?.();
    },
  });
  return {
    controller,
    elector,
    isLeader: () => elector.isLeader(),
    isReady: () => !elector.isLeader() || controllerReady,
    start: () => elector.start(),
    async stop() {
      stopping = true;
      await elector.stop();
      await started;
      await controller.stop();
    },
  };
}
