// Deterministic names of scheduled executions (upstream flyteadmin/scheduler/identifier/identifier.go and
// executor_impl.go): FNV-1 (not 1a) 64 of "project:domain:name:version:<unix seconds>", written little-endian into
// the first 8 bytes of a 16-byte UUID; the name is "f" + the first 19 hex digits of that UUID without dashes, i.e.
// "f" + hex(8 LE bytes) + "000". The same fire time always names the same execution, so a replayed or concurrent
// fire answers ALREADY_EXISTS.
import type { VersionedId } from "@aloft/core";

const OFFSET = 0xcbf29ce484222325n;
const PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;

/** FNV-1 64 of the UTF-8 bytes of `text`. */
export function fnv1_64(text: string): bigint {
  let h = OFFSET;
  for (const b of new TextEncoder().encode(text)) {
    h = (h * PRIME) & MASK;
    h ^= BigInt(b);
  }
  return h;
}

/** Upstream GetScheduleName: the decimal FNV-1 64 of "project:domain:name:version". */
export function scheduleName(id: VersionedId): string {
  return fnv1_64(`${id.project}:${id.domain}:${id.name}:${id.version}`).toString(10);
}

export function scheduledExecutionName(id: VersionedId, scheduledAt: Date): string {
  const seconds = Math.floor(scheduledAt.getTime() / 1000);
  const h = fnv1_64(`${id.project}:${id.domain}:${id.name}:${id.version}:${seconds}`);
  let hex = "";
  for (let i = 0n; i < 8n; i++) hex += ((h >> (8n * i)) & 0xffn).toString(16).padStart(2, "0");
  return `f${hex}000`;
}
