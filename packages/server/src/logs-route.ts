// Task logs over admin's HTTP server: `<logDir>/<name>.log` as text at `/logs/<name>` (what the local-process plugin's
// log links point at).
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";

/** The URL path under which task logs are served (`/logs/<generatedName>`). */
export const LOGS_ROUTE = "/logs/";
const LOG_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Serves `<logDir>/<name>.log` as text (what the local-process plugin's log links point at). */
export function logsRoute(logDir: string) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const name = decodedName((req.url ?? "").split("?")[0]!.slice(LOGS_ROUTE.length));
    if (name === undefined) {
      res.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
      res.end("malformed percent-encoding in the log name\n");
      return;
    }
    const file = join(logDir, `${name}.log`);
    const size = LOG_NAME.test(name)
      ? await stat(file).then(
          (s) => s.size,
          () => -1,
        )
      : -1;
    if (size < 0) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end(`no log for ${name}\n`);
      return;
    }
    res.writeHead(200, {
      "content-type": "text/plain; charset=utf-8",
      "content-length": size,
      "cache-control": "no-store",
    });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    createReadStream(file, { start: 0, end: Math.max(0, size - 1) }).pipe(res);
  };
}

/** The percent-decoded path segment, or undefined when its encoding is malformed (`%`, `%zz`, invalid UTF-8). */
function decodedName(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}
