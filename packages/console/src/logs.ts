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
