// What flyteadmin's outer Go http.ServeMux does before the gateway sees a request: requests whose path is not
// clean (`//`, `.` or `..` segments) are redirected, 301, to the cleaned path with the same query.
import type { IncomingMessage, ServerResponse } from "node:http";

/** Go's net/http cleanPath: path.Clean, rooted, keeping a trailing slash. */
export function cleanPath(p: string): string {
  if (p === "") return "/";
  const rooted = p.startsWith("/") ? p : `/${p}`;
  const out: string[] = [];
  for (const seg of rooted.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  const cleaned = `/${out.join("/")}`;
  return rooted.endsWith("/") && cleaned !== "/" ? `${cleaned}/` : cleaned;
}

/** http.RedirectHandler(url, 301): Location, and for GET a tiny HTML body. */
export function redirectPermanently(req: IncomingMessage, res: ServerResponse, location: string): void {
  req.resume();
  res.setHeader("Location", location);
  if (req.method === "GET" || req.method === "HEAD") res.setHeader("Content-Type", "text/html; charset=utf-8");
  res.statusCode = 301;
  res.end(req.method === "GET" ? `<a href="${escapeHtml(location)}">Moved Permanently</a>.\n\n` : undefined);
}

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;" })[c] as string,
  );
}
