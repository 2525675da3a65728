// `aloft get schedules` and `aloft backfill`: the scheduler's state and backfills. flyteidl has no API for either
// (flyteadmin's scheduler has none), so admin serves them as Aloft-specific JSON routes on its HTTP port
// (/api/v1/aloft/schedules, docs/configuration.md#scheduler); the backfill's executions are then created through the
// normal CreateExecution RPC, with the names the scheduler would give them (a time it already fired is skipped).
import { Command } from "commander";
import { Code as ConnectCode, ConnectError } from "@connectrpc/connect";
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { ExecutionCreateRequestSchema } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { invalidArgument } from "@aloft/core";
import { act, commonOptions, type CliContext } from "../context.ts";
import { render } from "../output.ts";

const ROUTE = "/api/v1/aloft/schedules";

interface ScheduleView {
  launchPlan: { project: string; domain: string; name: string; version: string };
  schedule: string;
  kickoffTimeInputArg: string;
  activatedAt: string | null;
  lastFireTime: string | null;
  nextFireTime: string | null;
  lastError: string | null;
  lastErrorTime: string | null;
}

/**
 * Admin's HTTP base URL: --http-endpoint, ALOFT_HTTP_ENDPOINT, the endpoint itself with `protocol: http`, or the gRPC
 * endpoint's host with admin's default HTTP port when it uses the default gRPC port (8089 → 8088).
 */
function httpBase(ctx: CliContext, flag: string | undefined): string {
  const explicit = flag ?? process.env.ALOFT_HTTP_ENDPOINT;
  const scheme = ctx.config.insecure ? "http" : "https";
  const withScheme = (e: string) => (/^https?:\/\//.test(e) ? e : `${scheme}://${e}`).replace(/\/$/, "");
  if (explicit) return withScheme(explicit);
  if (ctx.config.protocol === "http") return withScheme(ctx.config.endpoint);
  const url = new URL(withScheme(ctx.config.endpoint));
  if (url.port !== "8089")
    throw invalidArgument(
      "cli.http_endpoint",
      `admin's HTTP endpoint is needed for schedules: pass --http-endpoint host:port (the gRPC endpoint is ${ctx.config.endpoint})`,
    );
  url.port = "8088";
  return url.toString().replace(/\/$/, "");
}

async function getJson<T>(base: string, path: string, query: Record<string, string>): Promise<T> {
  const url = `${base}${path}?${new URLSearchParams(query).toString()}`;
  const headers: Record<string, string> = { accept: "application/json" };
  if (process.env.ALOFT_TOKEN) headers.authorization = `Bearer ${process.env.ALOFT_TOKEN}`;
  let res: Response;
  try {
    res = await fetch(url, { headers });
  } catch (err) {
    throw new ConnectError(`cannot reach ${base}: ${(err as Error).message}`, ConnectCode.Unavailable);
  }
  const body = (await res.json().catch(() => ({}))) as { code?: number; message?: string };
  if (!res.ok) {
    // Admin's answer, as the RPCs' errors reach the CLI (gRPC codes are connect's codes).
    const code =
      typeof body.code === "number" && body.code in ConnectCode ? (body.code as ConnectCode) : ConnectCode.Unknown;
    throw new ConnectError(body.message ?? `${res.status} ${res.statusText} from ${url}`, code);
  }
  return body as T;
}

export function schedulesGetCommand(): Command {
  return commonOptions(
    new Command("schedules")
      .aliases(["schedule"])
      .description("active launch plan schedules: next and last fire time, last error"),
  )
    .option("--http-endpoint <host:port>", "admin's HTTP endpoint (default: the gRPC endpoint's host, port 8088)")
    .action(
      act(async (ctx, _args, flags) => {
        const base = httpBase(ctx, flags.httpEndpoint as string | undefined);
        const { schedules } = await getJson<{ schedules: ScheduleView[] }>(base, ROUTE, {
          project: ctx.project(),
          domain: ctx.domain(),
        });
        const rows = schedules.map((s) => [
          s.launchPlan.name,
          s.launchPlan.version,
          s.schedule,
          s.nextFireTime ?? "",
          s.lastFireTime ?? "",
          s.lastError ? `${s.lastErrorTime ?? ""} ${s.lastError}` : "",
        ]);
        ctx.out(
          render(ctx.format, ["launch plan", "version", "schedule", "next fire", "last fire", "last error"], rows, {
            schedules,
          }),
        );
      }),
    );
}

export function backfillCommand(): Command {
  return commonOptions(
    new Command("backfill")
      .description(
        "launch a scheduled launch plan for every fire time in [--from, --to] (as the scheduler would have; times already run are skipped)",
      )
      .argument("<launch-plan>", "launch plan name"),
  )
    .requiredOption("--from <time>", "first time (RFC 3339, e.g. 2024-01-01T00:00:00Z)")
    .option("--to <time>", "last time (default: now)")
    .option("-v, --version <version>", "launch plan version (default: the active one)")
    .option("--dry-run", "print the fire times and execution names, launch nothing")
    .option("--http-endpoint <host:port>", "admin's HTTP endpoint (default: the gRPC endpoint's host, port 8088)")
    .action(
      act(async (ctx, [name], flags) => {
        const base = httpBase(ctx, flags.httpEndpoint as string | undefined);
        const query: Record<string, string> = {
          project: ctx.project(),
          domain: ctx.domain(),
          name: name ?? "",
          from: flags.from as string,
        };
        if (flags.to) query.to = flags.to as string;
        if (flags.version) query.version = flags.version as string;
        const plan = await getJson<{ requests: JsonValue[] }>(base, `${ROUTE}/backfill`, query);
        const requests = plan.requests.map((r) => fromJson(ExecutionCreateRequestSchema, r));
        const rows: string[][] = [];
        for (const req of requests) {
          const at = req.spec?.metadata?.scheduledAt;
          const when = at ? new Date(Number(at.seconds) * 1000).toISOString() : "";
          let outcome = "dry run";
          if (!flags.dryRun) {
            try {
              await ctx.client.createExecution(req);
              outcome = "launched";
            } catch (err) {
              if (!(err instanceof ConnectError && err.code === ConnectCode.AlreadyExists)) throw err;
              outcome = "exists (skipped)";
            }
          }
          rows.push([when, req.name, outcome]);
        }
        ctx.out(
          render(ctx.format, ["scheduled time", "execution", "outcome"], rows, {
            launches: rows.map(([scheduledTime, execution, outcome]) => ({ scheduledTime, execution, outcome })),
          }),
        );
        if (rows.length === 0) ctx.err("no fire time in the range");
      }),
    );
}
