// The status document's JSON, built from cached pieces. A finished node's status never changes (a round replaces the
// status object of a node it moves, and collapses it once when the node finishes), so its JSON is encoded once and
// kept by the object's identity, and so is each run of BLOCK consecutive finished entries of a node map, as UTF-8
// bytes. A round's encoding is then: a few identity checks per block, the nodes still moving, and one copy of the
// bytes — instead of JSON-encoding the whole document (O(nodes) per round, O(nodes²) per execution) and then encoding
// the text to UTF-8. The bytes are exactly JSON.stringify's (same key order, same omissions): the format on disk is
// unchanged.
import { nodeIds } from "../executor/node-map.ts";
import { isTerminalNodePhase, type NodeStatus, type WorkflowStatus } from "../executor/status.ts";

/** Entries per cached block of a node map. */
const BLOCK = 64;

interface Block {
  ids: string[];
  nodes: NodeStatus[];
  /** `"id":{…},"id":{…}…` of the block's entries. */
  bytes: Buffer;
}

/** JSON of finished node statuses, by identity. */
const finishedNodes = new WeakMap<NodeStatus, string>();
/** Blocks of finished entries, by the status object of the block's first entry. */
const finishedBlocks = new WeakMap<NodeStatus, Block>();

/** The bytes of `JSON.stringify({ status, version })`. */
export function encodeStoredStatus(status: WorkflowStatus, version: number): Buffer {
  const out = new Output();
  out.text('{"status":');
  encodeFields(status as unknown as Record<string, unknown>, "nodes", out);
  out.text(`,"version":${JSON.stringify(version)}}`);
  return out.done();
}

/**
 * One line of an execution's status log (`local-workflow-store.ts`): `{"v":version,"s":{the status' fields but its node
 * map},"n":{id:status of each node in changed}}` and a newline, from the same cached pieces.
 */
export function encodeStatusDelta(status: WorkflowStatus, version: number, changed: readonly string[]): Buffer {
  const out = new Output();
  out.text(`{"v":${JSON.stringify(version)},"s":`);
  encodeFields(status as unknown as Record<string, unknown>, "nodes", out, true);
  let sep = ',"n":{';
  for (const id of changed) {
    const n: unknown = status.nodes[id];
    if (isNodeStatus(n)) {
      out.text(`${sep}${JSON.stringify(id)}:`);
      encodeNode(n, out);
    } else {
      const json = JSON.stringify(n);
      if (json === undefined) continue; // as JSON.stringify of the whole map omits it
      out.text(`${sep}${JSON.stringify(id)}:${json}`);
    }
    sep = ",";
  }
  out.text(sep === "," ? "}}\n" : ',"n":{}}\n');
  return out.done();
}

/** Text and byte pieces, concatenated once at the end. */
class Output {
  readonly #pieces: Buffer[] = [];
  #text = "";

  text(s: string): void {
    this.#text += s;
  }

  bytes(b: Buffer): void {
    this.#flush();
    this.#pieces.push(b);
  }

  done(): Buffer {
    this.#flush();
    return this.#pieces.length === 1 ? this.#pieces[0]! : Buffer.concat(this.#pieces);
  }

  #flush(): void {
    if (this.#text === "") return;
    this.#pieces.push(Buffer.from(this.#text));
    this.#text = "";
  }
}

/**
 * An object's JSON, with the node map under `mapKey` (and a failure node) encoded from cached pieces, or left out when
 * `omitMap`.
 */
function encodeFields(o: Record<string, unknown>, mapKey: string, out: Output, omitMap = false): void {
  let sep = "{";
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (k === mapKey && omitMap) continue;
    if (k === mapKey && isPlainObject(v)) {
      out.text(`${sep}${JSON.stringify(k)}:`);
      encodeNodeMap(v as Record<string, NodeStatus>, out);
    } else if (k === "failureNode" && isNodeStatus(v)) {
      out.text(`${sep}${JSON.stringify(k)}:`);
      encodeNode(v, out);
    } else {
      const json = JSON.stringify(v);
      if (json === undefined) continue; // undefined and functions are omitted, as JSON.stringify omits them
      out.text(`${sep}${JSON.stringify(k)}:${json}`);
    }
    sep = ",";
  }
  out.text(sep === "{" ? "{}" : "}");
}

/** A node map (the engine's may be an overlay: `node-map.ts`), in the order of the plain map it settles into. */
function encodeNodeMap(nodes: Record<string, NodeStatus>, out: Output): void {
  const ids = nodeIds(nodes);
  let sep = "{";
  for (let start = 0; start < ids.length; start += BLOCK) {
    const end = Math.min(start + BLOCK, ids.length);
    const block = end - start === BLOCK ? finishedBlock(nodes, ids, start) : undefined;
    if (block) {
      if (sep === ",") out.text(",");
      else out.text("{");
      out.bytes(block.bytes);
      sep = ",";
      continue;
    }
    for (let i = start; i < end; i++) {
      const id = ids[i]!;
      const n = nodes[id];
      if (isNodeStatus(n)) {
        out.text(`${sep}${JSON.stringify(id)}:`);
        encodeNode(n, out);
      } else {
        const json = JSON.stringify(n);
        if (json === undefined) continue;
        out.text(`${sep}${JSON.stringify(id)}:${json}`);
      }
      sep = ",";
    }
  }
  out.text(sep === "{" ? "{}" : "}");
}

/** The cached block of entries `start…start+BLOCK` when they are the same finished statuses, built if they are new. */
function finishedBlock(nodes: Record<string, NodeStatus>, ids: string[], start: number): Block | undefined {
  const first = nodes[ids[start]!];
  if (!isNodeStatus(first)) return undefined;
  const hit = finishedBlocks.get(first);
  if (hit && sameEntries(hit, nodes, ids, start)) return hit;
  const block: Block = { ids: ids.slice(start, start + BLOCK), nodes: [], bytes: Buffer.alloc(0) };
  let text = "";
  for (const id of block.ids) {
    const n = nodes[id];
    if (!isNodeStatus(n) || !isTerminalNodePhase(n.phase)) return undefined;
    block.nodes.push(n);
    text += `${text === "" ? "" : ","}${JSON.stringify(id)}:${finishedJson(n)}`;
  }
  block.bytes = Buffer.from(text);
  finishedBlocks.set(first, block);
  return block;
}

function sameEntries(block: Block, nodes: Record<string, NodeStatus>, ids: string[], start: number): boolean {
  for (let i = 0; i < BLOCK; i++) {
    const id = ids[start + i]!;
    if (block.ids[i] !== id || block.nodes[i] !== nodes[id]) return false;
  }
  return true;
}

function encodeNode(n: NodeStatus, out: Output): void {
  if (isTerminalNodePhase(n.phase)) out.text(finishedJson(n));
  // A moving node with nested statuses (sub-workflow, branch, an array's sub-nodes): its finished ones are reused.
  else if (n.children) encodeFields(n as unknown as Record<string, unknown>, "children", out);
  else out.text(JSON.stringify(n));
}

function finishedJson(n: NodeStatus): string {
  let json = finishedNodes.get(n);
  if (json === undefined) {
    json = JSON.stringify(n);
    finishedNodes.set(n, json);
  }
  return json;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === "object" && v !== null && !Array.isArray(v) && typeof (v as { toJSON?: unknown }).toJSON !== "function"
  );
}

function isNodeStatus(v: unknown): v is NodeStatus {
  return isPlainObject(v) && typeof v["phase"] === "string";
}
