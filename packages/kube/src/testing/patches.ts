// The patch formats the API server accepts: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and, for built-in kinds,
// strategic merge patch approximated as a merge patch whose lists of named objects merge by `name` (containers, env,
// volumes, ports…), which is what those lists' patchMergeKey is for the fields Aloft writes.

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);

export class PatchError extends Error {}

export function mergePatch(target: Json, patch: Json, byName = false): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (byName && Array.isArray(value) && Array.isArray(out[key]) && isNamedList(value)) {
      out[key] = mergeNamedLists(out[key] as Json[], value);
    } else out[key] = mergePatch(out[key], value, byName);
  }
  return out;
}

const isNamedList = (list: Json[]) => list.length > 0 && list.every((x) => isObject(x) && typeof x.name === "string");

function mergeNamedLists(target: Json[], patch: Json[]): Json[] {
  const out = [...target];
  for (const item of patch as Record<string, Json>[]) {
    const at = out.findIndex((x) => isObject(x) && x.name === item.name);
    if (item.$patch === "delete") {
      if (at >= 0) out.splice(at, 1);
    } else if (at >= 0) out[at] = mergePatch(out[at], item, true);
    else out.push(structuredClone(item));
  }
  return out;
}

function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw new PatchError(`invalid JSON pointer "${path}"`);
  return path
    .slice(1)
    .split("/")
    .map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function parentOf(doc: Json, parts: string[]): [Record<string, Json> | Json[], string] {
  let cur = doc;
  for (const part of parts.slice(0, -1)) {
    cur = Array.isArray(cur) ? cur[Number(part)] : isObject(cur) ? cur[part] : undefined;
    if (cur === undefined) throw new PatchError(`path not found: /${parts.join("/")}`);
  }
  if (!isObject(cur) && !Array.isArray(cur)) throw new PatchError(`path not found: /${parts.join("/")}`);
  return [cur, parts[parts.length - 1]!];
}

function getAt(doc: Json, parts: string[]): Json {
  if (parts.length === 0) return doc;
  const [parent, last] = parentOf(doc, parts);
  const value = Array.isArray(parent) ? parent[Number(last)] : parent[last];
  if (value === undefined) throw new PatchError(`path not found: /${parts.join("/")}`);
  return value;
}

function removeAt(doc: Json, parts: string[]): Json {
  const [parent, last] = parentOf(doc, parts);
  const value = getAt(doc, parts);
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete parent[last];
  return value;
}

function addAt(doc: Json, parts: string[], value: Json): Json {
  if (parts.length === 0) return value;
  const [parent, last] = parentOf(doc, parts);
  if (Array.isArray(parent)) {
    const index = last === "-" ? parent.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) throw new PatchError(`bad array index ${last}`);
    parent.splice(index, 0, value);
  } else parent[last] = value;
  return doc;
}

export function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw new PatchError("a JSON patch is a list of operations");
  let doc = structuredClone(target);
  for (const op of ops as Record<string, Json>[]) {
    const path = pointer(String(op.path ?? ""));
    switch (op.op) {
      case "add":
        doc = addAt(doc, path, structuredClone(op.value));
        break;
      case "remove":
        removeAt(doc, path);
        break;
      case "replace":
        getAt(doc, path);
        if (path.length === 0) doc = structuredClone(op.value);
        else {
          removeAt(doc, path);
          doc = addAt(doc, path, structuredClone(op.value));
        }
        break;
      case "move":
      case "copy": {
        const from = pointer(String(op.from ?? ""));
        const value = op.op === "move" ? removeAt(doc, from) : structuredClone(getAt(doc, from));
        doc = addAt(doc, path, value);
        break;
      }
      case "test":
        if (JSON.stringify(getAt(doc, path)) !== JSON.stringify(op.value)) {
          throw new PatchError(`testing value /${path.join("/")} failed`);
        }
        break;
      default:
        throw new PatchError(`unknown JSON patch operation "${String(op.op)}"`);
    }
  }
  return doc;
}
