// Label and field selectors as the API server parses them (k8s.io/apimachinery labels and fields packages):
// `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a` for labels; `f=v`, `f==v`, `f!=v` for fields.
import type { KubeObject } from "../types.ts";

type Requirement = (labels: Record<string, string>) => boolean;

export class SelectorError extends Error {}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  if (current.trim() !== "" || parts.length > 0) parts.push(current);
  return parts.map((p) => p.trim());
}

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;

function checkKey(key: string): string {
  if (!KEY.test(key)) throw new SelectorError(`invalid label key "${key}"`);
  return key;
}

function parseRequirement(text: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(text);
  if (set) {
    const key = checkKey(set[1]!);
    const values = new Set(set[3]!.split(",").map((v) => v.trim()));
    return set[2] === "in"
      ? (l) => l[key] !== undefined && values.has(l[key])
      : (l) => l[key] === undefined || !values.has(l[key]);
  }
  const cmp = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(text);
  if (cmp) {
    const key = checkKey(cmp[1]!);
    const value = cmp[3]!;
    return cmp[2] === "!=" ? (l) => l[key] !== value : (l) => l[key] === value;
  }
  if (text.startsWith("!")) {
    const key = checkKey(text.slice(1).trim());
    return (l) => l[key] === undefined;
  }
  const key = checkKey(text);
  return (l) => l[key] !== undefined;
}

/** A predicate over labels; throws SelectorError (answered 400) on a malformed selector. */
export function parseLabelSelector(text: string | null): (labels: Record<string, string> | undefined) => boolean {
  if (!text) return () => true;
  const requirements = splitTopLevel(text).map((part) => {
    if (part === "") throw new SelectorError(`invalid label selector "${text}"`);
    return parseRequirement(part);
  });
  return (labels) => requirements.every((r) => r(labels ?? {}));
}

const COMMON_FIELDS = ["metadata.name", "metadata.namespace"];

/** The field labels each kind supports beyond metadata.name/namespace (as the real registry strategies). */
const KIND_FIELDS: Record<string, string[]> = {
  Pod: ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "status.phase"],
  Secret: ["type"],
  Event: ["involvedObject.kind", "involvedObject.name", "involvedObject.namespace", "involvedObject.uid", "reason"],
  Namespace: ["status.phase"],
};

function fieldValue(obj: KubeObject, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split(".")) cur = (cur as Record<string, unknown> | undefined)?.[part];
  return cur === undefined || cur === null ? "" : String(cur);
}

/** A predicate over objects of `kind`; throws SelectorError for an unsupported field (as the real server: 400). */
export function parseFieldSelector(text: string | null, kind: string): (obj: KubeObject) => boolean {
  if (!text) return () => true;
  const allowed = new Set([...COMMON_FIELDS, ...(KIND_FIELDS[kind] ?? [])]);
  const tests = splitTopLevel(text).map((part) => {
    const m = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw new SelectorError(`invalid field selector "${part}"`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    if (!allowed.has(field)) throw new SelectorError(`field label not supported: ${field}`);
    return op === "!="
      ? (o: KubeObject) => fieldValue(o, field) !== value
      : (o: KubeObject) => fieldValue(o, field) === value;
  });
  return (obj) => tests.every((t) => t(obj));
}
