// A status' top-level node map as the engine hands it on: a plain map, or an overlay — an object whose own keys are
// the nodes a round wrote and whose prototype is the map of the status it started from (reads fall through) — over
// the overlays of rounds not saved yet, down to a plain map. The engine settles a saved round's overlays into that
// plain map in place, after the save; a store that keeps or encodes every node reads the map through these helpers.
import type { NodeStatus } from "./status.ts";

type NodeMap = Record<string, NodeStatus>;

/** The maps of an overlay from the plain one at the bottom up (one entry for a plain map). */
export function nodeMapLevels(nodes: NodeMap): NodeMap[] {
  const levels = [nodes];
  for (let m = nodes; ; ) {
    const proto = Object.getPrototypeOf(m) as NodeMap | null;
    if (proto === Object.prototype || proto === null) break;
    levels.push(proto);
    m = proto;
  }
  return levels.reverse();
}

/** Whether the map is an overlay. */
export function isOverlay(nodes: NodeMap): boolean {
  const proto: unknown = Object.getPrototypeOf(nodes);
  return proto !== Object.prototype && proto !== null;
}

/** A node's status through the overlays (own keys only: an id such as `constructor` is not Object.prototype's). */
export function nodeAt(nodes: NodeMap, id: string): NodeStatus | undefined {
  for (let m: NodeMap | null = nodes; m !== null && m !== Object.prototype; m = Object.getPrototypeOf(m) as NodeMap) {
    if (Object.hasOwn(m, id)) return m[id];
  }
  return undefined;
}

/**
 * The ids in the order of the plain map the overlays settle into (`Object.assign` of each level over the one below):
 * the bottom map's, then each level's new ones. O(nodes) — for stores that write every node anyway.
 */
export function nodeIds(nodes: NodeMap): string[] {
  const levels = nodeMapLevels(nodes);
  const ids = Object.keys(levels[0]!);
  for (let i = 1; i < levels.length; i++) {
    const below = levels[i - 1]!;
    for (const id of Object.keys(levels[i]!)) if (!hasNode(below, id)) ids.push(id);
  }
  return ids;
}

/** A new plain map with the overlays' entries, in `nodeIds` order. */
export function plainNodes(nodes: NodeMap): NodeMap {
  const out: NodeMap = {};
  for (const id of nodeIds(nodes)) out[id] = nodeAt(nodes, id)!;
  return out;
}

/**
 * Writes the overlays' own entries into the plain map at their bottom (`base`), lowest level first, and returns it:
 * the same map `plainNodes` would build, without touching the nodes no round wrote. O(entries written).
 */
export function settleNodes(nodes: NodeMap, base: NodeMap): NodeMap {
  const levels = nodeMapLevels(nodes);
  if (levels[0] !== base) throw new Error("settleNodes: the overlays are not over the given map");
  for (let i = 1; i < levels.length; i++) {
    const level = levels[i]!;
    for (const id of Object.keys(level)) base[id] = level[id]!;
  }
  return base;
}

function hasNode(nodes: NodeMap, id: string): boolean {
  for (let m: NodeMap | null = nodes; m !== null && m !== Object.prototype; m = Object.getPrototypeOf(m) as NodeMap) {
    if (Object.hasOwn(m, id)) return true;
  }
  return false;
}
