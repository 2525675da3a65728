// A Kubernetes API server for tests, on node:http, speaking the real JSON API so that the unmodified
// @kubernetes/client-node (or kubectl) talks to it: CRUD for any served kind, the status subresource, the four patch
// types, list and watch with resourceVersion, bookmarks and timeouts, label and field selectors, discovery.
// Mutating admission webhooks are called on CREATE (admission.ts). A kubelet simulator can be added beside it: it watches pods (fieldSelector spec.nodeName), writes their status through
// /status and confirms graceful deletion with a DELETE of gracePeriodSeconds=0, as a real kubelet does.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig, loadYaml } from "@kubernetes/client-node";
import type { KubeObject } from "../types.ts";
import { admitCreate } from "./admission.ts";
import { ApiFailure, badRequest, notFound } from "./failure.ts";
import { ApiObjects } from "./objects.ts";
import { jsonPatch, mergePatch, PatchError } from "./patches.ts";
import { Registry } from "./registry.ts";
import { parsePath, type Route } from "./routes.ts";
import { parseFieldSelector, parseLabelSelector, SelectorError } from "./selectors.ts";
import { Store } from "./store.ts";

export interface TestApiServerOptions {
  /** Changes kept for watches to resume from; older resourceVersions answer 410 Gone. Default 10,000. */
  historySize?: number;
  /** How often watches that allow bookmarks receive one. Default 5 s (the real server: about a minute). */
  bookmarkIntervalMs?: number;
  now?: () => Date;
}

export interface TestApiServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** A KubeConfig for the server (plain HTTP, so `insecure-skip-tls-verify`, which client-node requires for http). */
  kubeConfig(): KubeConfig;
  /** As an etcd compaction: watches from any earlier resourceVersion get 410 Gone. */
  compact(): void;
  /** Ends every open watch (as an API server restart does); clients must resume. */
  closeWatches(): void;
  /** Resolves when the background controllers (garbage collector, namespace controller) have nothing pending. */
  settled(): Promise<void>;
  /** Requests served, by verb (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`). */
  readonly requestCounts: Record<string, number>;
  close(): Promise<void>;
}

const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string): KubeObject {
  try {
    return JSON.parse(text) as KubeObject;
  } catch (err) {
    throw badRequest(`the body of the request was in an unknown format: ${(err as Error).message}`);
  }
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

export async function startTestApiServer(options: TestApiServerOptions = {}): Promise<TestApiServer> {
  const now = options.now ?? (() => new Date());
  const store = new Store(options.historySize ?? 10_000);
  const registry = new Registry();
  const objects = new ApiObjects(store, registry, now);
  for (const name of SYSTEM_NAMESPACES)
    objects.create(registry.find("", "v1", "namespaces")!, undefined, { metadata: { name } });
  const openWatches = new Set<ServerResponse>();
  const requestCounts: Record<string, number> = {};
  const count = (verb: string) => {
    requestCounts[verb] = (requestCounts[verb] ?? 0) + 1;
  };
  const bookmarkMs = options.bookmarkIntervalMs ?? 5000;

  function watch(route: Route, query: URLSearchParams, res: ServerResponse): void {
    count("watch");
    const labels = parseLabelSelector(query.get("labelSelector"));
    const fields = parseFieldSelector(query.get("fieldSelector"), route.kind.kind);
    const filter = { namespace: route.namespace, matches: (o: KubeObject) => labels(o.metadata.labels) && fields(o) };
    res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked" });
    // As the real server: the headers go out at once, so the client's watch is established before any event.
    res.flushHeaders();
    const write = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
    let unsubscribe: () => void;
    try {
      unsubscribe = store.watch(route.kind, filter, query.get("resourceVersion") ?? undefined, (type, o) =>
        write(type, objects.view(route.kind, o)),
      );
    } catch (err) {
      // As the real server: a watch from a compacted version is a 200 whose one event is an ERROR with the 410 Status.
      if (!(err instanceof ApiFailure)) throw err;
      write("ERROR", err.toStatus());
      res.end();
      return;
    }
    const bookmark = () =>
      write("BOOKMARK", {
        kind: route.kind.kind,
        apiVersion: objects.view(route.kind, { metadata: {} }).apiVersion,
        metadata: { resourceVersion: String(store.resourceVersion) },
      });
    const timers: NodeJS.Timeout[] = [];
    if (query.get("allowWatchBookmarks") === "true") timers.push(setInterval(bookmark, bookmarkMs));
    const timeout = Number(query.get("timeoutSeconds") ?? "0");
    if (timeout > 0) timers.push(setTimeout(() => res.end(), timeout * 1000));
    openWatches.add(res);
    res.on("close", () => {
      unsubscribe();
      for (const t of timers) clearTimeout(t);
      openWatches.delete(res);
    });
  }

  async function patch(
    route: Route,
    req: IncomingMessage,
    query: URLSearchParams,
    name: string,
  ): Promise<[number, unknown]> {
    count("patch");
    const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim();
    const text = await readBody(req);
    const kind = route.kind;
    const status = route.subresource === "status";
    const dryRun = query.get("dryRun") === "All";
    if (type === "application/apply-patch+yaml") {
      if (!query.get("fieldManager"))
        throw new ApiFailure(
          422,
          "Invalid",
          'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
        );
      let applied: KubeObject;
      try {
        applied = loadYaml<KubeObject>(text);
      } catch (err) {
        throw badRequest(`error decoding YAML: ${(err as Error).message}`);
      }
      const cur = store.get(kind, route.namespace, name);
      if (!cur) {
        if (status) throw notFound(kind, name);
        return [
          201,
          objects.create(kind, route.namespace, { ...applied, metadata: { ...applied.metadata, name } }, dryRun),
        ];
      }
      const merged = mergePatch(cur, status ? { status: applied.status } : applied, !kind.custom) as KubeObject;
      return [200, objects.update(kind, route.namespace, name, merged, status, dryRun)];
    }
    const cur = store.get(kind, route.namespace, name);
    if (!cur) throw notFound(kind, name);
    let next: KubeObject;
    try {
      if (type === "application/merge-patch+json") next = mergePatch(cur, parseJson(text)) as KubeObject;
      else if (type === "application/json-patch+json") next = jsonPatch(cur, parseJson(text)) as KubeObject;
      else if (type === "application/strategic-merge-patch+json") {
        if (kind.custom)
          throw new ApiFailure(
            415,
            "UnsupportedMediaType",
            `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
          );
        next = mergePatch(cur, parseJson(text), true) as KubeObject;
      } else
        throw new ApiFailure(
          415,
          "UnsupportedMediaType",
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
        );
    } catch (err) {
      if (err instanceof PatchError)
        throw new ApiFailure(
          422,
          "Invalid",
          `the server rejected our request due to an error in our request: ${err.message}`,
        );
      throw err;
    }
    return [200, objects.update(kind, route.namespace, name, next, status, dryRun)];
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const parsed = parsePath(registry, url.pathname);
    if ("discovery" in parsed) return send(res, 200, parsed.discovery);
    if ("unknown" in parsed) throw new ApiFailure(404, "NotFound", "the server could not find the requested resource");
    const { route } = parsed;
    const { kind, name } = route;
    const query = url.searchParams;
    const dryRun = query.get("dryRun") === "All";
    if (route.subresource !== undefined && (route.subresource !== "status" || !kind.statusSubresource)) {
      throw new ApiFailure(404, "NotFound", "the server could not find the requested resource");
    }
    if (kind.namespaced && name !== undefined && !route.namespace) {
      throw new ApiFailure(404, "NotFound", "the server could not find the requested resource");
    }
    const method = req.method ?? "GET";
    if (method === "GET" && name === undefined) {
      if (query.get("watch") === "true" || query.get("watch") === "1") return watch(route, query, res);
      count("list");
      const labels = parseLabelSelector(query.get("labelSelector"));
      const fields = parseFieldSelector(query.get("fieldSelector"), kind.kind);
      const items = store.list(kind, route.namespace).filter((o) => labels(o.metadata.labels) && fields(o));
      return send(res, 200, {
        kind: `${kind.kind}List`,
        apiVersion: objects.view(kind, { metadata: {} }).apiVersion,
        metadata: { resourceVersion: String(store.resourceVersion) },
        items: items.map((o) => objects.view(kind, o)),
      });
    }
    if (method === "GET") {
      count("get");
      const obj = store.get(kind, route.namespace, name!);
      if (!obj) throw notFound(kind, name!);
      return send(res, 200, objects.view(kind, obj));
    }
    if (method === "POST" && name === undefined) {
      count("create");
      if (kind.namespaced && !route.namespace)
        throw new ApiFailure(
          405,
          "MethodNotAllowed",
          "the server does not allow this method on the requested resource",
        );
      const admitted = await admitCreate(store, kind, route.namespace, parseJson(await readBody(req)), dryRun);
      return send(res, 201, objects.create(kind, route.namespace, admitted, dryRun));
    }
    if (method === "PUT" && name !== undefined) {
      count("update");
      const body = parseJson(await readBody(req));
      return send(res, 200, objects.update(kind, route.namespace, name, body, route.subresource === "status", dryRun));
    }
    if (method === "PATCH" && name !== undefined) {
      const [code, body] = await patch(route, req, query, name);
      return send(res, code, body);
    }
    if (method === "DELETE" && name !== undefined) {
      count("delete");
      const text = await readBody(req);
      const body: Record<string, any> = text ? parseJson(text) : {};
      const grace = query.get("gracePeriodSeconds") ?? body.gracePeriodSeconds;
      const { object, gone } = objects.delete(kind, route.namespace, name, {
        propagationPolicy: query.get("propagationPolicy") ?? body.propagationPolicy,
        preconditions: body.preconditions,
        gracePeriodSeconds: grace === undefined || grace === null ? undefined : Number(grace),
      });
      if (gone && !kind.returnsDeletedObject) {
        return send(res, 200, {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Success",
          details: { name, group: kind.group, kind: kind.plural, uid: object.metadata.uid },
        });
      }
      return send(res, gone ? 200 : 202, object);
    }
    throw new ApiFailure(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const failure =
        err instanceof ApiFailure
          ? err
          : err instanceof SelectorError
            ? badRequest(err.message)
            : new ApiFailure(
                500,
                "InternalError",
                `an error on the server has prevented the request from succeeding: ${String(err)}`,
              );
      if (res.headersSent) res.end();
      else send(res, failure.code, failure.toStatus());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requestCounts,
    kubeConfig: () => testKubeConfig(url),
    compact: () => store.compact(),
    closeWatches: () => {
      for (const res of openWatches) res.end();
    },
    settled: () => objects.gc.idle(),
    close: async () => {
      for (const res of openWatches) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A KubeConfig for an API server at `url` (no credentials; TLS verification off, which plain HTTP requires). */
export function testKubeConfig(url: string, namespace = "default"): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "aloft-test", server: url, skipTLSVerify: true }],
    users: [{ name: "aloft-test" }],
    contexts: [{ name: "aloft-test", cluster: "aloft-test", user: "aloft-test", namespace }],
    currentContext: "aloft-test",
  });
  return kc;
}
