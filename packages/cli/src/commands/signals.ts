// Gate node signals: `aloft get signals <execution> [signal-id]`, `aloft approve <execution> <signal-id>` (--reject)
// and `aloft signal set <execution> <signal-id> <value>`, the value typed by the signal's stored type.
import { Command } from "commander";
import { create, toJson } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Sort } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { SignalSchema, type Signal } from "@aloft/idl/flyteidl/admin/signal_pb.js";
import { LiteralSchema, type Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema, SimpleType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { act, commonOptions, type CliContext } from "../context.ts";
import { inputLiteral, typeName } from "../inputs.ts";
import { listOptions, listParams, type ListFlags } from "../list-flags.ts";
import { oneLine, print, type View } from "../views.ts";

const execId = (ctx: CliContext, name: string | undefined) => ({
  project: ctx.project(),
  domain: ctx.domain(),
  name: name ?? "",
});

/** A literal in one cell: primitives as themselves, anything else as compact JSON. */
export function literalText(l: Literal | undefined): string {
  if (!l || l.value.case === undefined) return "-";
  if (l.value.case === "scalar" && l.value.value.value.case === "primitive") {
    const p = l.value.value.value.value.value;
    switch (p.case) {
      case "datetime":
        return timestampDate(p.value).toISOString();
      case "duration":
        return `${Number(p.value.seconds) + p.value.nanos / 1e9}s`;
      case undefined:
        return "-";
      default:
        return String(p.value);
    }
  }
  return oneLine(JSON.stringify(toJson(LiteralSchema, l)), 120);
}

export const signalView: View<Signal> = {
  columns: ["signal", "type", "value"],
  row: (s) => [s.id?.signalId ?? "", typeName(s.type), literalText(s.value)],
};

/** Every signal of an execution matching the filters (admin requires a limit; pages until `max`). */
async function listSignals(
  ctx: CliContext,
  execution: string,
  filters: string,
  sortBy: Sort | undefined,
  max: number,
): Promise<Signal[]> {
  const out: Signal[] = [];
  let token = "";
  for (;;) {
    const page = await ctx.client.signals.listSignals({
      workflowExecutionId: execId(ctx, execution),
      limit: Math.min(100, max - out.length),
      token,
      filters,
      ...(sortBy ? { sortBy } : {}),
    });
    out.push(...page.signals);
    if (!page.token || page.signals.length === 0 || out.length >= max) return out;
    token = page.token;
  }
}

/** The stored signal (its type decides how a value is parsed); an error when the gate has not created it yet. */
async function getSignal(ctx: CliContext, execution: string, signalId: string): Promise<Signal> {
  const [signal] = await listSignals(ctx, execution, `eq(signal_id,${signalId})`, undefined, 1);
  if (!signal) {
    throw new Error(
      `execution ${execution} has no signal ${JSON.stringify(signalId)} (yet): a gate creates its signal when the execution reaches it; see \`aloft get signals ${execution}\``,
    );
  }
  return signal;
}

async function setSignal(ctx: CliContext, execution: string, signalId: string, value: Literal): Promise<void> {
  await ctx.client.signals.setSignal({ id: { executionId: execId(ctx, execution), signalId }, value });
}

export function signalsGetCommand(): Command {
  return commonOptions(
    listOptions(
      new Command("signal")
        .aliases(["signals"])
        .description("the signals of an execution's approve and signal gates (value '-' while unset), or one")
        .argument("<execution>")
        .argument("[signal-id]"),
    ),
  ).action(
    act(async (ctx, [execution, signalId], flags) => {
      const name = execution ?? "";
      if (signalId) return print(ctx.out, ctx.format, SignalSchema, signalView, await getSignal(ctx, name, signalId));
      const p = listParams(flags as ListFlags);
      print(ctx.out, ctx.format, SignalSchema, signalView, await listSignals(ctx, name, p.filters, p.sortBy, p.max));
    }),
  );
}

export function approveCommand(): Command {
  return commonOptions(
    new Command("approve")
      .description(
        "approve an execution's approve gate (sets its boolean signal to true; --reject sets false and fails the gate)",
      )
      .argument("<execution>")
      .argument("<signal-id>"),
    { output: false },
  )
    .option("--reject", "reject instead of approving")
    .action(
      act(async (ctx, [execution, signalId], flags) => {
        const name = execution ?? "";
        const id = signalId ?? "";
        const signal = await getSignal(ctx, name, id);
        const value = inputLiteral(
          id,
          signal.type ?? create(LiteralTypeSchema, { type: { case: "simple", value: SimpleType.BOOLEAN } }),
          flags.reject ? "false" : "true",
        );
        await setSignal(ctx, name, id, value);
        ctx.out(`${flags.reject ? "rejected" : "approved"} ${id} of execution ${name}`);
      }),
    );
}

export function signalCommand(): Command {
  const signal = new Command("signal").description("set the value of a signal gate");
  signal.addCommand(
    commonOptions(
      new Command("set")
        .description(
          "set a signal's value, parsed by the signal's type (integers, floats, booleans, strings, JSON for lists/maps, …); may be set again",
        )
        .argument("<execution>")
        .argument("<signal-id>")
        .argument("<value>"),
      { output: false },
    ).action(
      act(async (ctx, [execution, signalId, raw]) => {
        const name = execution ?? "";
        const id = signalId ?? "";
        const stored = await getSignal(ctx, name, id);
        const value = inputLiteral(id, stored.type ?? create(LiteralTypeSchema), raw ?? "");
        await setSignal(ctx, name, id, value);
        ctx.out(`set ${id} of execution ${name} to ${literalText(value)}`);
      }),
    ),
  );
  return signal;
}
