// Messages that are shared between requests and never mutated — entities that cannot change once registered, held in
// a bounded cache by their manager — and the encodings the API layers made of them, made once per format.
// A GetWorkflow of a 5,000-node workflow spent nearly all its time decoding the stored closure and encoding the
// response (protobuf or JSON); for the same immutable message both are the same bytes every time.
import type { Message } from "@bufbuild/protobuf";

const encodings = new WeakMap<Message, Map<string, Uint8Array>>();

/** Marks `message` as shared and immutable: nobody may change it after this (its encodings are remembered). */
export function markImmutable<T extends Message>(message: T): T {
  if (!encodings.has(message)) encodings.set(message, new Map());
  return message;
}

/** Whether `message` was marked immutable (what is derived from it may be remembered too). */
export function isImmutable(message: Message): boolean {
  return encodings.has(message);
}

/** `encode()`, remembered per format for a message marked immutable (computed every time for any other). */
export function encodeOnce(message: Message, format: string, encode: () => Uint8Array): Uint8Array {
  const known = encodings.get(message);
  if (!known) return encode();
  let bytes = known.get(format);
  if (!bytes) {
    bytes = encode();
    known.set(format, bytes);
  }
  return bytes;
}

/** A least-recently-used map bounded by the sum of its entries' sizes (and by an entry count). */
export class BoundedCache<V> {
  private readonly entries = new Map<string, { value: V; size: number }>();
  private total = 0;

  constructor(
    private readonly maxSize: number,
    private readonly maxEntries = 1000,
  ) {}

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  /** Stores `value` unless it alone exceeds the bound; evicts the least recently used entries to make room. */
  set(key: string, value: V, size: number): void {
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.total -= old.size;
    }
    if (size > this.maxSize) return;
    this.entries.set(key, { value, size });
    this.total += size;
    for (const [k, e] of this.entries) {
      if (this.total <= this.maxSize && this.entries.size <= this.maxEntries) break;
      this.entries.delete(k);
      this.total -= e.size;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
