// Task logs in the page: which log links admin serves itself (`/logs/<project>/<domain>/<name>` of the local-process
// plugin, read on this origin as text) and which point elsewhere (opened as links). Pure: no DOM.

/** The same-origin path of a log admin serves, or undefined for a log kept elsewhere (CloudWatch, Kubernetes…). */
export function servedLogPath(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  let url: URL;
  try {
    url = new URL(uri, "http://same-origin.invalid");
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  return url.pathname.startsWith("/logs/") ? url.pathname : undefined;
}

/** How much of a log the page holds at most (characters); a longer log shows its tail, and a download link for all. */
export const LOG_TAIL_CHARS = 256 * 1024;

/** One answer of the logs route to a range read. */
export interface LogRead {
  /** 206: the bytes asked for; 200: the whole log (the server ignored the range); 416: nothing at or past the offset. */
  status: 200 | 206 | 416;
  bytes: Uint8Array;
  /** Offset of `bytes` in the log. */
  start: number;
  /** The log's length when it was read (from Content-Range; the byte count for a whole read). */
  size: number;
}

/** `bytes 7-20/21` → start 7, size 21; a 416's `bytes *` + `/21` → size 21. Undefined when absent or malformed. */
export function parseContentRange(header: string | null): { start: number; size: number } | undefined {
  const m = /^bytes (?:(\d+)-\d+|\*)\/(\d+)$/.exec((header ?? "").trim());
  if (!m) return undefined;
  return { start: m[1] === undefined ? 0 : Number(m[1]), size: Number(m[2]) };
}

/**
 * A running log as the page follows it: the first read asks for its last `max` bytes (`bytes=-max`), every later read
 * for what follows the bytes already held, starting one byte early (`bytes=<offset - 1>-`) so that a quiet log answers
 * 206 with that one byte rather than 416 (browsers report every 4xx as an error in the console). The text kept is at
 * most `max` characters, cut at a line start; `dropped` says an earlier part is not shown. Bytes are decoded as one
 * UTF-8 stream, so a character split between two reads comes out whole.
 */
export class LogFollower {
  text = "";
  dropped = false;
  /** How many bytes of the log have been taken in (undefined before the first read). */
  offset: number | undefined;
  #decoder = new TextDecoder();

  constructor(readonly max = LOG_TAIL_CHARS) {}

  /** The Range header of the next read. */
  nextRange(): string {
    if (this.offset === undefined) return `bytes=-${this.max}`;
    return `bytes=${Math.max(0, this.offset - 1)}-`;
  }

  /** Takes a read's answer in; true when the text changed. */
  add(read: LogRead): boolean {
    if (read.status === 416) {
      // An empty log, or one shorter than what was read of it (replaced by a new file): read it from its start.
      const changed = this.text !== "";
      if (this.offset === undefined || read.size < this.offset) this.#reset(0);
      return changed && this.text === "";
    }
    // The byte asked for again (see nextRange) is already held.
    if (read.status === 206 && this.offset !== undefined && this.offset > 0 && read.start === this.offset - 1)
      read = { ...read, bytes: read.bytes.subarray(1), start: this.offset };
    const fresh = read.status === 200 || this.offset === undefined || read.start !== this.offset;
    const before = this.text;
    if (fresh) this.#reset(read.start);
    this.text += this.#decoder.decode(read.bytes, { stream: true });
    this.offset = read.start + read.bytes.length;
    if (fresh && read.start > 0) this.#cutAtLine();
    if (this.text.length > this.max) {
      this.text = this.text.slice(this.text.length - this.max);
      this.#cutAtLine();
    }
    return this.text !== before;
  }

  #reset(start: number): void {
    this.text = "";
    this.dropped = start > 0;
    this.offset = start;
    this.#decoder = new TextDecoder();
  }

  /** Drops the partial first line (and a partial character) of a text that starts inside the log. */
  #cutAtLine(): void {
    this.dropped = true;
    const nl = this.text.indexOf("\n");
    if (nl >= 0 && nl < this.text.length - 1) this.text = this.text.slice(nl + 1);
  }
}
