// Only the engine reports execution outcomes. The event RPCs (CreateWorkflowEvent, CreateNodeEvent,
// CreateTaskEvent, and Aloft's batched CreateEvents) decide phases and outputs, so a forged SUCCEEDED with made-up outputs would be believed. Without
// authentication the engine is recognised by where it calls from: loopback only (`aloft start` reports in process and
// never reaches this; a split-mode `aloft engine` on the same host calls over loopback). With authentication, only
// the engine's identity. Both transports run this middleware, so gRPC and `POST /api/v1/events/*` behave alike.
import type { DescMethod } from "@bufbuild/protobuf";
import { AloftError, Code } from "@aloft/core";
import { isLoopbackAddress } from "@aloft/core";
import type { Logger } from "@aloft/core";
import type { Caller, Principal, UnaryMiddleware } from "../rpc.ts";

export const EVENT_METHODS: ReadonlySet<string> = new Set([
  "flyteidl.service.AdminService.CreateWorkflowEvent",
  "flyteidl.service.AdminService.CreateNodeEvent",
  "flyteidl.service.AdminService.CreateTaskEvent",
  // Aloft's batch of the three above (api/event-service.ts).
  "aloft.admin.v1.EventService.CreateEvents",
]);

export interface EventGuardOptions {
  /** `auth.enabled`: the caller's principal decides instead of its address. */
  authEnabled: boolean;
  /** Whether a principal is the engine's (e.g. the client-credentials client it authenticates as). Default: none is. */
  isEngine?: (principal: Principal) => boolean;
  logger: Logger;
}

/** Why `caller` may not report events, or undefined when it may. */
export function eventCallerProblem(
  caller: Caller,
  options: Pick<EventGuardOptions, "authEnabled" | "isEngine">,
): string | undefined {
  if (options.authEnabled) {
    if (caller.principal && options.isEngine?.(caller.principal)) return undefined;
    return "execution events are accepted only from the engine's identity";
  }
  if (isLoopbackAddress(caller.peer.address)) return undefined;
  return "execution events are accepted only from the engine; with authentication off that means callers on this machine (loopback)";
}

export function eventGuardMiddleware(options: EventGuardOptions): UnaryMiddleware {
  const logger = options.logger.child({ component: "event-guard" });
  return (method: DescMethod, req, ctx, next) => {
    if (!EVENT_METHODS.has(`${method.parent.typeName}.${method.name}`)) return next(req, ctx);
    const problem = eventCallerProblem(ctx, options);
    if (problem === undefined) return next(req, ctx);
    logger.warn(
      { method: method.name, peer: ctx.peer.address, subject: ctx.principal?.subject, requestId: ctx.requestId },
      "event refused",
    );
    return Promise.reject(new AloftError(Code.PERMISSION_DENIED, "event.caller_not_engine", problem));
  };
}
