// grpc.health.v1.Health: "" and "flyteadmin" are SERVING while the server runs (flytescheduler's precheck asks for
// "flyteadmin"); other names are unknown. Watch sends the current status and then holds the stream open.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as Status,
  HealthListResponseSchema,
} from "@aloft/idl/grpc/health/v1/health_pb.js";

export class HealthState {
  private readonly statuses = new Map<string, Status>();
  constructor(services: string[]) {
    for (const s of ["", ...services]) this.statuses.set(s, Status.SERVING);
  }
  set(service: string, status: Status): void {
    this.statuses.set(service, status);
  }
  get(service: string): Status | undefined {
    return this.statuses.get(service);
  }
  all(): Map<string, Status> {
    return new Map(this.statuses);
  }
  /** At shutdown every service reports NOT_SERVING so that load balancers drain us. */
  shutdown(): void {
    for (const k of this.statuses.keys()) this.statuses.set(k, Status.NOT_SERVING);
  }
}

export function healthRoutes(state: HealthState) {
  return (router: ConnectRouter) => {
    router.service(Health, {
      check(req) {
        const status = state.get(req.service);
        if (status === undefined) throw new ConnectError(`unknown service ${req.service}`, Code.NotFound);
        return create(HealthCheckResponseSchema, { status });
      },
      list() {
        const statuses: Record<string, ReturnType<typeof create<typeof HealthCheckResponseSchema>>> = {};
        for (const [k, v] of state.all()) statuses[k] = create(HealthCheckResponseSchema, { status: v });
        return create(HealthListResponseSchema, { statuses });
      },
      async *watch(req, ctx) {
        yield create(HealthCheckResponseSchema, { status: state.get(req.service) ?? Status.SERVICE_UNKNOWN });
        await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
      },
    });
  };
}
