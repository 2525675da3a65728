// Attempts a node may make (upstream flytepropeller/pkg/controller/nodes/executor.go): node retries, else the task's, else the configured default.
import { indexOf, type NodeContext } from "../nodes/handler.ts";

export function maxAttemptsOf(n: NodeContext): number {
  const nodeRetries = n.node.metadata?.retries?.retries ?? 0;
  if (nodeRetries > 0) return nodeRetries + 1;
  const target = n.node.target;
  if (target.case === "taskNode" && target.value.reference.case === "referenceId") {
    const taskRetries = indexOf(n).task(target.value.reference.value)?.metadata?.retries?.retries ?? 0;
    if (taskRetries > 0) return taskRetries + 1;
  }
  return n.exec.deps.config.defaultMaxAttempts;
}
