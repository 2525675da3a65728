// The narrow port over the Kubernetes API that engine, admin and the operator use, and its one implementation: requests
// built and authenticated by the unmodified @kubernetes/client-node (its KubeConfig, request context and fetch
// library; its Watch for streams), answers mapped to AloftErrors (errors.ts).
import {
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  KubeConfig,
  type RequestContext,
  ServerConfiguration,
  Watch,
} from "@kubernetes/client-node";
import { kubeError, kubeTransportError } from "./errors.ts";
import { apiVersionOf, type ResourceType, resourcePath } from "./resources.ts";
import type { KubeList, KubeObject, KubeStatus, WatchEvent } from "./types.ts";
import { AloftError, Code } from "@aloft/core";

/** `app=web,tier!=db` or `{ app: "web" }` (equality only). */
export type Selector = string | Record<string, string>;

export interface ListOptions {
  namespace?: string;
  labelSelector?: Selector;
  fieldSelector?: Selector;
  limit?: number;
  continue?: string;
}

export interface WatchOptions extends Omit<ListOptions, "limit" | "continue"> {
  /** Events after this version; unset: synthetic ADDED events for what exists, then changes. */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  /** The server ends the watch after this long. */
  timeoutSeconds?: number;
}

export interface WriteOptions {
  fieldManager?: string;
  /** `status`: write only the status subresource. */
  subresource?: "status";
  dryRun?: boolean;
}

/** merge: RFC 7386; json: RFC 6902; strategic: Kubernetes' strategic merge (built-in kinds only); apply: server-side apply. */
export type PatchType = "merge" | "json" | "strategic" | "apply";

export interface PatchOptions extends WriteOptions {
  namespace?: string;
  type?: PatchType;
  /** Server-side apply only: take over fields other managers own. */
  force?: boolean;
}

export interface DeleteOptions {
  namespace?: string;
  propagationPolicy?: "Background" | "Foreground" | "Orphan";
  /** Delete only if the object still has this uid / resourceVersion (else a conflict). */
  preconditions?: { uid?: string; resourceVersion?: string };
  gracePeriodSeconds?: number;
}

export interface WatchHandle {
  stop(): void;
  /** Settles when the stream ends: undefined for a clean end (or stop), the error otherwise. */
  readonly closed: Promise<AloftError | undefined>;
}

export interface KubeApi {
  get<T extends KubeObject = KubeObject>(
    type: ResourceType,
    name: string,
    options?: { namespace?: string },
  ): Promise<T>;
  list<T extends KubeObject = KubeObject>(type: ResourceType, options?: ListOptions): Promise<KubeList<T>>;
  watch<T extends KubeObject = KubeObject>(
    type: ResourceType,
    options: WatchOptions,
    onEvent: (event: WatchEvent<T>) => void,
  ): Promise<WatchHandle>;
  create<T extends KubeObject = KubeObject>(type: ResourceType, obj: NoInfer<T>, options?: WriteOptions): Promise<T>;
  /** PUT: a conflict (isConflict) when `obj.metadata.resourceVersion` is stale. */
  update<T extends KubeObject = KubeObject>(type: ResourceType, obj: NoInfer<T>, options?: WriteOptions): Promise<T>;
  patch<T extends KubeObject = KubeObject>(
    type: ResourceType,
    name: string,
    patch: unknown,
    options?: PatchOptions,
  ): Promise<T>;
  /** Server-side apply of `obj` (created when missing) under `fieldManager`. */
  apply<T extends KubeObject = KubeObject>(
    type: ResourceType,
    obj: NoInfer<T>,
    options: WriteOptions & { force?: boolean },
  ): Promise<T>;
  delete(type: ResourceType, name: string, options?: DeleteOptions): Promise<void>;
  /**
   * The resource type of a kind the code does not name in advance (a template's `apiVersion` + `kind`), from the API
   * server's discovery document of that group version (kept once it answered). NOT_FOUND for an unknown kind.
   */
  resourceType(apiVersion: string, kind: string): Promise<ResourceType>;
}

export interface KubeApiOptions {
  /** The field manager of writes that name none (server-side apply requires one). */
  fieldManager?: string;
}

const contentTypes: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
};

function selectorText(selector: Selector | undefined): string | undefined {
  if (selector === undefined || typeof selector === "string") return selector || undefined;
  const parts = Object.entries(selector).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(",") : undefined;
}

function listQuery(options: ListOptions & WatchOptions): Record<string, string | undefined> {
  return {
    labelSelector: selectorText(options.labelSelector),
    fieldSelector: selectorText(options.fieldSelector),
    limit: options.limit?.toString(),
    continue: options.continue,
    resourceVersion: options.resourceVersion,
    allowWatchBookmarks: options.allowWatchBookmarks ? "true" : undefined,
    timeoutSeconds: options.timeoutSeconds?.toString(),
  };
}

/** The port over a KubeConfig (a kubeconfig file, in-cluster config, or `testKubeConfig` of the test server). */
export function createKubeApi(kubeConfig: KubeConfig, options: KubeApiOptions = {}): KubeApi {
  return new ClientNodeKubeApi(kubeConfig, options.fieldManager ?? "aloft");
}

interface ApiResourceList {
  resources?: Array<{ name: string; kind: string; namespaced: boolean }>;
}

class ClientNodeKubeApi implements KubeApi {
  private readonly discovered = new Map<string, Promise<ApiResourceList>>();
  private readonly server: ServerConfiguration<Record<string, string>>;
  private readonly http = new IsomorphicFetchHttpLibrary();
  private readonly watcher: Watch;

  constructor(
    private readonly kc: KubeConfig,
    private readonly fieldManager: string,
  ) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw kubeTransportError(new Error("the kubeconfig has no current cluster"), "configuration");
    this.server = new ServerConfiguration(cluster.server, {});
    this.watcher = new Watch(kc);
  }

  private async request<R>(
    method: HttpMethod,
    path: string,
    query: Record<string, string | undefined> = {},
    body?: unknown,
    contentType = "application/json",
  ): Promise<R> {
    const ctx: RequestContext = this.server.makeRequestContext(path, method);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) ctx.setQueryParam(k, v);
    ctx.setHeaderParam("Accept", "application/json");
    if (body !== undefined) {
      ctx.setHeaderParam("Content-Type", contentType);
      ctx.setBody(JSON.stringify(body));
    }
    const what = `${method} ${path}`;
    let status: number;
    let text: string;
    try {
      await this.kc.applySecurityAuthentication(ctx);
      const response = await this.http.send(ctx).toPromise();
      status = response.httpStatusCode;
      text = await response.body.text();
    } catch (err) {
      throw kubeTransportError(err, what);
    }
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (status < 200 || status >= 300) throw kubeError(status, parsed as Partial<KubeStatus> | undefined, what);
    return parsed as R;
  }

  private writeQuery(options: WriteOptions = {}): Record<string, string | undefined> {
    return { fieldManager: options.fieldManager ?? this.fieldManager, dryRun: options.dryRun ? "All" : undefined };
  }

  get<T extends KubeObject = KubeObject>(
    type: ResourceType,
    name: string,
    options: { namespace?: string } = {},
  ): Promise<T> {
    return this.request(HttpMethod.GET, resourcePath(type, { namespace: options.namespace, name }));
  }

  list<T extends KubeObject = KubeObject>(type: ResourceType, options: ListOptions = {}): Promise<KubeList<T>> {
    return this.request(HttpMethod.GET, resourcePath(type, { namespace: options.namespace }), listQuery(options));
  }

  async watch<T extends KubeObject = KubeObject>(
    type: ResourceType,
    options: WatchOptions,
    onEvent: (event: WatchEvent<T>) => void,
  ): Promise<WatchHandle> {
    const path = resourcePath(type, { namespace: options.namespace });
    let stopped = false;
    let settle!: (err: AloftError | undefined) => void;
    const closed = new Promise<AloftError | undefined>((resolve) => {
      settle = resolve;
    });
    const controller = await this.watcher.watch(
      path,
      listQuery(options),
      (phase, object) => {
        if (!stopped) onEvent({ type: phase as WatchEvent["type"], object });
      },
      (err: unknown) => {
        if (stopped || !err) return settle(undefined);
        const status = (err as { statusCode?: unknown }).statusCode;
        settle(
          typeof status === "number"
            ? kubeError(status, undefined, `watch ${path}`)
            : kubeTransportError(err, `watch ${path}`),
        );
      },
    );
    return {
      closed,
      stop: () => {
        stopped = true;
        controller.abort();
        settle(undefined);
      },
    };
  }

  create<T extends KubeObject = KubeObject>(
    type: ResourceType,
    obj: NoInfer<T>,
    options: WriteOptions = {},
  ): Promise<T> {
    const body = { apiVersion: apiVersionOf(type), kind: type.kind, ...obj };
    const path = resourcePath(type, { namespace: obj.metadata.namespace });
    return this.request(HttpMethod.POST, path, this.writeQuery(options), body);
  }

  update<T extends KubeObject = KubeObject>(
    type: ResourceType,
    obj: NoInfer<T>,
    options: WriteOptions = {},
  ): Promise<T> {
    const body = { apiVersion: apiVersionOf(type), kind: type.kind, ...obj };
    const at = { namespace: obj.metadata.namespace, name: obj.metadata.name ?? "", subresource: options.subresource };
    return this.request(HttpMethod.PUT, resourcePath(type, at), this.writeQuery(options), body);
  }

  patch<T extends KubeObject = KubeObject>(
    type: ResourceType,
    name: string,
    patch: unknown,
    options: PatchOptions = {},
  ): Promise<T> {
    const kind = options.type ?? "merge";
    const path = resourcePath(type, { namespace: options.namespace, name, subresource: options.subresource });
    const query = { ...this.writeQuery(options), force: kind === "apply" && options.force ? "true" : undefined };
    return this.request(HttpMethod.PATCH, path, query, patch, contentTypes[kind]);
  }

  apply<T extends KubeObject = KubeObject>(
    type: ResourceType,
    obj: NoInfer<T>,
    options: WriteOptions & { force?: boolean },
  ): Promise<T> {
    const body = { apiVersion: apiVersionOf(type), kind: type.kind, ...obj };
    return this.patch(type, obj.metadata.name ?? "", body, {
      ...options,
      namespace: obj.metadata.namespace,
      type: "apply",
    });
  }

  async resourceType(apiVersion: string, kind: string): Promise<ResourceType> {
    const slash = apiVersion.indexOf("/");
    const [group, version] = slash < 0 ? ["", apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
    let list = this.discovered.get(apiVersion);
    if (!list) {
      list = this.request<ApiResourceList>(HttpMethod.GET, group === "" ? `/api/${version}` : `/apis/${apiVersion}`);
      this.discovered.set(apiVersion, list);
      list.catch(() => this.discovered.delete(apiVersion)); // a failed read is tried again next time
    }
    const found = (await list).resources?.find((r) => r.kind === kind && !r.name.includes("/"));
    if (!found) {
      this.discovered.delete(apiVersion); // a CRD installed later is found by the next call
      throw new AloftError(
        Code.NOT_FOUND,
        "kube.unknown_kind",
        `the API server serves no kind ${kind} in ${apiVersion}`,
      );
    }
    return { group, version, plural: found.name, kind, namespaced: found.namespaced };
  }

  async delete(type: ResourceType, name: string, options: DeleteOptions = {}): Promise<void> {
    const body = {
      apiVersion: "v1",
      kind: "DeleteOptions",
      propagationPolicy: options.propagationPolicy,
      preconditions: options.preconditions,
      gracePeriodSeconds: options.gracePeriodSeconds,
    };
    await this.request(HttpMethod.DELETE, resourcePath(type, { namespace: options.namespace, name }), {}, body);
  }
}

/**
 * The KubeConfig a component runs with: `file` when given, else the file `KUBECONFIG` names (or ~/.kube/config), else
 * the in-cluster service account, as client-node's loadFromDefault.
 */
export function loadKubeConfig(file?: string): KubeConfig {
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  return kc;
}
