// `watch`: follows an execution node by node until it ends. On a terminal the table is redrawn in place; otherwise
// (pipes, CI logs) one line per phase change. Returns the finished execution; one that did not succeed throws
// ExecutionFailed (exit 1).
import type { Execution } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import type { NodeExecution } from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import { NodeExecution_Phase, WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { timestampMs, type Duration, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { ExecutionId } from "@aloft/client";
import { NODE_TERMINAL, WORKFLOW_TERMINAL } from "@aloft/core";
import type { CliContext } from "./context.ts";
import { ExecutionFailed } from "./exit.ts";
import { renderTable } from "./output.ts";
import { formatDuration, nodePhase, oneLine, seconds, workflowPhase } from "./views.ts";

const HIDDEN = /(^|-)(start|end)-node$/;
/** Children of sub-workflow, branch and dynamic nodes are shown this deep. */
const MAX_DEPTH = 3;

interface ShownNode {
  node: NodeExecution;
  /** `parent/child` node ids. */
  path: string;
  depth: number;
}

const byCreation = (a: NodeExecution, b: NodeExecution) =>
  Number((a.closure?.createdAt?.seconds ?? 0n) - (b.closure?.createdAt?.seconds ?? 0n)) ||
  (a.id?.nodeId ?? "").localeCompare(b.id?.nodeId ?? "");

/** The execution's nodes in creation order, each parent node followed by its children (start/end nodes hidden). */
async function nodeTree(
  ctx: CliContext,
  id: ExecutionId,
  parent: string,
  depth: number,
  prefix = "",
): Promise<ShownNode[]> {
  const level: NodeExecution[] = [];
  for await (const n of ctx.client.listAll(
    "listNodeExecutions",
    { workflowExecutionId: id, uniqueParentId: parent },
    { pageSize: 100 },
  )) {
    if (!HIDDEN.test(n.id?.nodeId ?? "")) level.push(n);
  }
  level.sort(byCreation);
  const out: ShownNode[] = [];
  for (const node of level) {
    const nodeId = node.id?.nodeId ?? "";
    const path = `${prefix}${nodeId}`;
    out.push({ node, path, depth });
    if (node.metadata?.isParentNode && depth + 1 < MAX_DEPTH)
      out.push(...(await nodeTree(ctx, id, nodeId, depth + 1, `${path}/`)));
  }
  return out;
}

function elapsed(
  startedAt: Timestamp | undefined,
  duration: Duration | undefined,
  terminal: boolean,
  now: number,
): string {
  if (terminal) return duration ? formatDuration(seconds(duration)) : "";
  if (!startedAt || startedAt.seconds === 0n) return "";
  return formatDuration(Math.max(0, (now - timestampMs(startedAt)) / 1000));
}

export interface ProgressOptions {
  intervalMs: number;
  /** Where progress goes (default: stdout for tables, stderr when stdout carries JSON/YAML). */
  write?: (text: string) => void;
}

export async function followExecution(ctx: CliContext, id: ExecutionId, o: ProgressOptions): Promise<Execution> {
  // Progress goes to stdout for tables, to stderr when stdout carries JSON/YAML.
  const write =
    o.write ??
    (ctx.format === "table"
      ? (s: string) => void process.stdout.write(s)
      : (s: string) => void process.stderr.write(s));
  const tty = ctx.isTTY && ctx.format === "table";
  const seen = new Map<string, NodeExecution_Phase>();
  let drawn = 0;
  let lastPhase: WorkflowExecution_Phase | undefined;
  const label = `${id.project}/${id.domain}/${id.name}`;

  const onPoll = async (e: Execution) => {
    const nodes = await nodeTree(ctx, id, "", 0);
    const now = Date.now();
    if (tty) {
      const phase = e.closure?.phase ?? WorkflowExecution_Phase.UNDEFINED;
      const rows = nodes.map(({ node: n, depth }) => {
        const p = n.closure?.phase ?? NodeExecution_Phase.UNDEFINED;
        return [
          `${"  ".repeat(depth)}${n.id?.nodeId ?? ""}`,
          nodePhase(p),
          elapsed(n.closure?.startedAt, n.closure?.duration, NODE_TERMINAL.has(p), now),
        ];
      });
      // Lines longer than the terminal would wrap and break the cursor arithmetic: cut them.
      const cols = process.stdout.columns || 200;
      const lines =
        `execution ${label}  ${workflowPhase(phase)}\n${renderTable(["node", "phase", "duration"], rows)}`.split("\n");
      const text = `${lines.map((l) => (l.length >= cols ? `${l.slice(0, cols - 2)}…` : l)).join("\n")}\n`;
      write(`${drawn ? `\x1b[${drawn}A\x1b[0J` : ""}${text}`);
      drawn = text.split("\n").length - 1;
      return;
    }
    for (const { node: n, path } of nodes) {
      const p = n.closure?.phase ?? NodeExecution_Phase.UNDEFINED;
      if (seen.get(path) === p) continue;
      seen.set(path, p);
      const d = NODE_TERMINAL.has(p) ? elapsed(n.closure?.startedAt, n.closure?.duration, true, now) : "";
      write(`[${path}] ${nodePhase(p)}${d ? ` ${d}` : ""}\n`);
    }
    // The execution's own phase after its nodes; UNDEFINED (not picked up yet) and the final phase (the summary
    // line below) are not repeated.
    const phase = e.closure?.phase ?? WorkflowExecution_Phase.UNDEFINED;
    if (phase !== lastPhase && phase !== WorkflowExecution_Phase.UNDEFINED && !WORKFLOW_TERMINAL.has(phase))
      write(`execution ${label} ${workflowPhase(phase)}\n`);
    lastPhase = phase;
  };

  const done = await ctx.client.watchExecution(id, {
    intervalMs: o.intervalMs,
    onPoll,
  });
  const phase = done.closure?.phase ?? WorkflowExecution_Phase.UNDEFINED;
  const took = done.closure?.duration ? ` in ${formatDuration(seconds(done.closure.duration))}` : "";
  if (phase !== WorkflowExecution_Phase.SUCCEEDED) {
    const r = done.closure?.outputResult;
    const why =
      r?.case === "error"
        ? `: ${oneLine(r.value.message)}`
        : r?.case === "abortMetadata"
          ? `: ${oneLine(r.value.cause)}`
          : "";
    throw new ExecutionFailed(`execution ${label} ${workflowPhase(phase)}${took}${why}`);
  }
  write(`execution ${label} SUCCEEDED${took}\n`);
  return done;
}
