// Task logs over admin's HTTP server: `<logDir>/<project>/<domain>/<name>.log` as text at
// `/logs/<project>/<domain>/<name>` (what the local-process plugin's log links point at). The project and domain in
// the path are the execution's, so with auth on reading a log needs `view` on them (the route's `scopeOf`); the file
// sits under them, so a path naming another project finds nothing. Links from before logs were kept per project
// (`/logs/<name>`, a file directly in `<logDir>`) still work, but with auth on only for a viewer of every project:
// nothing in them says whose log it is. A `Range: bytes=N-` read answers only what follows byte N (206, or 416 when
// there is nothing past it yet): how the console follows a running task's log without reading it all every time.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";

/** The URL path under which task logs are served (`/logs/<project>/<domain>/<generatedName>`). */
export const LOGS_ROUTE = "/logs/";
const LOG_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

interface LogPath {
  /** The path segments below `/logs/`, decoded: `[project, domain, name]`, or `[name]` for an old link. */
  segments: string[];
  /** All segments are safe file names. */
  valid: boolean;
}

/** The decoded segments of the request's log path, or undefined when a segment's percent-encoding is malformed. */
function logPathOf(req: IncomingMessage): LogPath | undefined {
  const raw = (req.url ?? "").split("?")[0]!.slice(LOGS_ROUTE.length).split("/");
  const segments: string[] = [];
  for (const s of raw) {
    const d = decodedName(s);
    if (d === undefined) return undefined;
    segments.push(d);
  }
  const valid = (segments.length === 1 || segments.length === 3) && segments.every((s) => LOG_NAME.test(s));
  return { segments, valid };
}

/** Serves task logs; its `scopeOf` tells the auth guard whose log a request asks for. */
export function logsRoute(logDir: string) {
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = logPathOf(req);
    if (path === undefined) {
      res.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
      res.end("malformed percent-encoding in the log name\n");
      return;
    }
    const file = `${join(logDir, ...path.segments)}.log`;
    const size = path.valid
      ? await stat(file).then(
          (s) => (s.isFile() ? s.size : -1),
          () => -1,
        )
      : -1;
    if (size < 0) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end(`no log for ${path.segments.join("/")}\n`);
      return;
    }
    const range = byteRange(req.headers.range, size);
    if (range === "unsatisfiable") {
      res.writeHead(416, {
        "content-type": "text/plain; charset=utf-8",
        "content-range": `bytes */${size}`,
        "accept-ranges": "bytes",
        "cache-control": "no-store",
      });
      res.end();
      return;
    }
    const [start, end] = range ?? [0, size - 1];
    res.writeHead(range ? 206 : 200, {
      "content-type": "text/plain; charset=utf-8",
      "content-length": Math.max(0, end - start + 1),
      "accept-ranges": "bytes",
      "cache-control": "no-store",
      ...(range ? { "content-range": `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === "HEAD" || end < start) {
      res.end();
      return;
    }
    // Only the bytes counted by the stat above: a log still being written may have grown since.
    createReadStream(file, { start, end }).pipe(res);
  };
  return Object.assign(route, {
    /** `<project>/<domain>/<name>` belongs to that project and domain; anything else to no one in particular. */
    scopeOf: async (req: IncomingMessage) => {
      const path = logPathOf(req);
      if (!path?.valid || path.segments.length !== 3) return undefined;
      return { project: path.segments[0]!, domain: path.segments[1]! };
    },
  });
}

/**
 * The one byte range a `Range` header asks for within `size` bytes (`bytes=N-`, `bytes=N-M`, `bytes=-S`), as inclusive
 * [start, end]; undefined when there is no header or it is not one range of bytes (the whole log is then served, as
 * RFC 9110 allows); "unsatisfiable" when it starts at or past the end (what a reader that has everything gets).
 */
export function byteRange(header: string | undefined, size: number): [number, number] | "unsatisfiable" | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec((header ?? "").trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(m[1]);
  if (m[2] !== "" && Number(m[2]) < start) return undefined;
  if (start >= size) return "unsatisfiable";
  return [start, m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1)];
}

/** The percent-decoded path segment, or undefined when its encoding is malformed (`%`, `%zz`, invalid UTF-8). */
function decodedName(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}
