// The project and domain a request is about, found where flyteidl requests carry them: a `project` (and `domain`)
// field on the request or on the nearest message below it (id, id.execution_id, attributes, …); projects by their
// `id`; DataProxy's GetData by its flyte:// URL.
import type { Message } from "@bufbuild/protobuf";

export interface RequestScope {
  project: string;
  /** "" when the request names only a project. */
  domain: string;
}

const MAX_DEPTH = 5;
/**
 * Fields that name the execution a request acts on: where a message has one, only it is followed (a task execution
 * id also holds a task id, whose project need not be the execution's).
 */
const TARGETS = new Set([
  "executionId",
  "workflowExecutionId",
  "nodeExecutionId",
  "parentNodeExecutionId",
  "taskExecutionId",
]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !(v instanceof Uint8Array) && !Array.isArray(v);
}

export function requestScope(req: Message): RequestScope | undefined {
  switch (req.$typeName) {
    case "flyteidl.admin.ProjectRegisterRequest": {
      const project = (req as unknown as { project?: { id?: string } }).project;
      return { project: project?.id ?? "", domain: "" };
    }
    case "flyteidl.admin.Project":
    case "flyteidl.admin.ProjectGetRequest":
      return { project: (req as unknown as { id?: string }).id ?? "", domain: "" };
    case "flyteidl.service.GetDataRequest": {
      const m = /^flyte:\/\/v1\/([^/]+)\/([^/]+)\//.exec((req as unknown as { flyteUrl?: string }).flyteUrl ?? "");
      return m ? { project: m[1]!, domain: m[2]! } : undefined;
    }
  }
  // Breadth first, so that the request's own fields win over those of messages it embeds (a launch plan id inside
  // an execution spec names the same project anyway).
  let level: unknown[] = [req];
  for (let depth = 0; depth <= MAX_DEPTH && level.length > 0; depth++) {
    const next: unknown[] = [];
    for (const node of level) {
      if (!isObject(node)) continue;
      if (typeof node.project === "string" && node.project !== "") {
        return { project: node.project, domain: typeof node.domain === "string" ? node.domain : "" };
      }
      const entries = Object.entries(node).filter(([k, v]) => k !== "$typeName" && k !== "$unknown" && isObject(v));
      const targets = entries.filter(([k]) => TARGETS.has(k));
      for (const [, v] of targets.length > 0 ? targets : entries) {
        const o = v as Record<string, unknown>;
        next.push("case" in o && "value" in o ? o.value : o);
      }
    }
    level = next;
  }
  return undefined;
}
